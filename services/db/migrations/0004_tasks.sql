-- Tasks written by the task.create action (issue 9). A job's task carries its job id: the
-- partial unique index makes a job that runs again (at-least-once delivery, a replay) find the
-- task it already wrote instead of writing a second one. Sync calls have no job id and each
-- writes its own task.
CREATE TABLE tasks (
  id uuid PRIMARY KEY,
  workspace_id text NOT NULL,
  title text NOT NULL,
  description text,
  due_date date,
  assignee text,
  job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  trace_id text
);
CREATE UNIQUE INDEX tasks_workspace_job ON tasks (workspace_id, job_id) WHERE job_id IS NOT NULL;
-- The listing: a workspace's tasks newest first, keyset-paged on (created_at, id).
CREATE INDEX tasks_workspace_created ON tasks (workspace_id, created_at DESC, id DESC);
