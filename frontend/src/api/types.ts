/**
 * Shapes of the gateway's /ai API as the automation-service answers them (its README is the
 * reference). The answers' shapes come from @opsconductor/api-types, the one place the services
 * declare them too; what is left here only the frontend writes (request bodies) or reads.
 */

export { JOB_STATUSES, FINAL_STATUSES } from '@opsconductor/api-types';
export type {
  JobStatus,
  JobErrorInfo,
  JobView,
  JobPage,
  JobEventData,
  PositionEventData,
  ToolDescription,
  CatalogTool,
  ToolsAnswer,
  ExecuteAnswer,
} from '@opsconductor/api-types';

export interface ExecuteRequest {
  input: string;
  tool?: string;
  params?: Record<string, unknown>;
}

export interface SubmitJobRequest {
  action: string;
  params: Record<string, unknown>;
  priority?: number;
  max_attempts?: number;
}

export interface Me {
  workspace_id: string;
  actor_id: string;
  scopes: string[];
  key_id?: string;
}

/** The error envelope every non-2xx answer carries (DESIGN.md). */
export interface ErrorEnvelope {
  success: false;
  error: { code: string; message: string; details?: unknown };
  trace_id?: string;
  duration_ms?: number;
  tool?: string;
}
