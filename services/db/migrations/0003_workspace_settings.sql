-- What an operator sets per workspace; a missing row or a NULL column means the service default
-- (RATE_LIMIT_PER_MINUTE, ALLOW_ACTIONS_DEFAULT).
CREATE TABLE workspace_settings (
  workspace_id text PRIMARY KEY,
  rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
  allowed_actions text[],
  updated_at timestamptz NOT NULL DEFAULT now()
);
