/** Shapes of the gateway's /ai API as the automation-service answers them (its README is the reference). */

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'dead'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses after which a job changes no more unless someone retries or replays it. */
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'cancelled', 'dead'];

export interface JobErrorInfo {
  code: string;
  message: string;
}

/** services/automation-service/src/jobs/job-view.ts */
export interface JobView {
  job_id: string;
  status: JobStatus;
  action: string;
  priority: number;
  created_at: string;
  workspace_id: string;
  actor_id: string;
  params: unknown;
  attempts: number;
  max_attempts: number;
  started_at: string | null;
  finished_at: string | null;
  retry_at: string | null;
  result: unknown;
  error: JobErrorInfo | null;
  client_request_id: string | null;
  cancel_requested: boolean;
  trace_id: string | null;
}

export interface JobPage {
  jobs: JobView[];
  next_cursor: string | null;
}

/** `data` of a status event on /ai/events and /ai/jobs/:id/events. */
export interface JobEventData {
  job_id: string;
  status: JobStatus;
  prev: JobStatus | null;
  at: string;
  attempts: number;
  error?: JobErrorInfo;
  reason?: string;
  /** First event of a job stream opened without Last-Event-ID. */
  snapshot?: boolean;
}

/** `data` of a `position` event: the 1-based place of a pending job in its ready queue. */
export interface PositionEventData {
  job_id: string;
  status: 'pending';
  position: number;
  at: string;
}

export interface ToolDescription {
  name: string;
  description: string;
  platform: string;
  keywords: readonly string[];
  /** JSON Schema (draft 2020-12 from zod) of the tool's params object. */
  params_schema: Record<string, unknown>;
  available: boolean;
  unavailable_reason?: string;
  /** Whether the key's workspace may run it (its allowlist); absent means yes. */
  allowed?: boolean;
}

export interface ToolCatalog {
  tools: ToolDescription[];
  actions_enabled?: boolean;
}

export interface ExecuteRequest {
  input: string;
  tool?: string;
  params?: Record<string, unknown>;
}

export interface ExecuteAnswer {
  success: true;
  output: unknown;
  trace_id: string;
  duration_ms: number;
  tool: string;
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
