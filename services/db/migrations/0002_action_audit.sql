-- The audit trail: one row per execution and per job transition that matters. Never the raw
-- params: their SHA-256 (canonical JSON) and the first 64 characters after PII scrubbing.
CREATE TABLE action_audit (
  -- Chosen by the writer, so a batch sent twice (an answer lost after the commit) lands once.
  id uuid PRIMARY KEY,
  at timestamptz NOT NULL,
  workspace_id text NOT NULL,
  actor_id text NOT NULL,
  action text NOT NULL,
  event text NOT NULL CHECK (event IN ('executed', 'submitted', 'started', 'completed', 'failed', 'cancelled', 'dead', 'erased')),
  outcome text NOT NULL CHECK (outcome IN ('success', 'error')),
  job_id text,
  trace_id text,
  duration_ms double precision,
  error_code text,
  params_hash text,
  params_prefix text CHECK (char_length(params_prefix) <= 64)
);
CREATE INDEX action_audit_workspace_at ON action_audit (workspace_id, at DESC, id);
CREATE INDEX action_audit_job ON action_audit (job_id) WHERE job_id IS NOT NULL;
