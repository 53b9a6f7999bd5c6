/** Who chose a plan: the model, the deterministic selector (no model configured), or the canary's echo bypass. */
export type PlannedBy = 'llm' | 'selector' | 'bypass';

/** One action to run: what `POST /ai/execute` with `tool` and `params` would run. */
export interface ActionPlan {
  tool: string;
  params: Record<string, unknown>;
  planned_by: PlannedBy;
}

/** Body of POST /ai/plan. */
export interface PlanRequest {
  input: string;
  trace_id?: string;
}

/** The 200 answer of POST /ai/plan: the action the input would run, nothing run. */
export interface PlanAnswer {
  success: true;
  plan: ActionPlan;
  trace_id: string;
  duration_ms: number;
}
