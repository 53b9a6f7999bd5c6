import type { ActionPlan } from './plan';

/** The 200 answer of POST /ai/execute: the seed's shape, keys in the seed's order. */
export interface ExecuteAnswer {
  success: true;
  output: unknown;
  trace_id: string;
  duration_ms: number;
  tool: string;
  /** Present when the request named no tool: the action the planner chose and that ran. */
  plan?: ActionPlan;
}
