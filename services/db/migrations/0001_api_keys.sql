-- API keys: only a hash of the secret is kept; each key belongs to one workspace and actor.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  -- The visible start of the key (oc_live_ and 4 more characters), to tell keys apart in lists.
  prefix text NOT NULL,
  secret_hash text NOT NULL UNIQUE,
  workspace_id text NOT NULL,
  actor_id text NOT NULL,
  scopes text[] NOT NULL CHECK (scopes <@ ARRAY['actions:preview', 'actions:execute', 'admin']::text[]),
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);
