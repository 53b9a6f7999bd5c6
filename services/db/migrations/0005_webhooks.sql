-- webhook.post (issue 9). A workspace posts only to the hosts an operator allowed: exact,
-- lower-case host names; NULL or empty means no webhooks at all.
ALTER TABLE workspace_settings ADD COLUMN webhook_hosts text[];

-- The outbox of deliveries. A job's row is written before the send and carries its job id, so
-- a job that runs again (a lost lease, a replay) finds a delivery that succeeded and answers it
-- instead of posting a second time. Sync calls have no job id; each has its own row.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  workspace_id text NOT NULL,
  job_id text,
  url text NOT NULL,
  -- pending: written, not (known to be) sent; delivered: the receiver answered 2xx;
  -- failed: the last attempt failed (a retryable failure may still be retried by the job).
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  response_status integer,
  response_body text,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  trace_id text
);
CREATE UNIQUE INDEX webhook_deliveries_workspace_job ON webhook_deliveries (workspace_id, job_id) WHERE job_id IS NOT NULL;
