-- email.send, gmail.send and outlook.send (issue 9).

-- A workspace's mail accounts, one per provider. The password (an app password for Gmail and
-- Outlook) is stored only as AES-256-GCM ciphertext under CREDENTIALS_ENCRYPTION_KEY, bound to
-- its workspace and provider, so a row copied to another workspace does not decrypt.
CREATE TABLE mail_accounts (
  workspace_id text NOT NULL,
  provider text NOT NULL CHECK (provider IN ('gmail', 'outlook', 'smtp')),
  username text NOT NULL,
  from_address text NOT NULL,
  secret_ciphertext text NOT NULL,
  -- Only for provider 'smtp' (the presets fix them): the server and how it takes TLS.
  smtp_host text,
  smtp_port integer CHECK (smtp_port BETWEEN 1 AND 65535),
  smtp_tls text CHECK (smtp_tls IN ('implicit', 'starttls')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, provider),
  CHECK (provider <> 'smtp' OR (smtp_host IS NOT NULL AND smtp_port IS NOT NULL AND smtp_tls IS NOT NULL))
);

-- The outbox of emails, as webhook_deliveries is for webhooks: a job's row is claimed before
-- the send, so a job that runs again after a delivery answers it instead of sending twice.
CREATE TABLE email_deliveries (
  id uuid PRIMARY KEY,
  workspace_id text NOT NULL,
  job_id text,
  provider text NOT NULL,
  -- Every recipient (to, cc, bcc), comma-separated: personal data, erased with the workspace.
  recipients text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  -- The SMTP server's reply code and text of the last attempt that got an answer.
  response_status integer,
  response_body text,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  trace_id text
);
CREATE UNIQUE INDEX email_deliveries_workspace_job ON email_deliveries (workspace_id, job_id) WHERE job_id IS NOT NULL;
