-- The `llm` tool is now `llm.complete` (issue 9): action names are noun.verb. ai-pipeline still
-- runs requests that name `llm`, so a workspace allowlist that names `llm` keeps it and gains
-- `llm.complete`, and the planner's choice (always the new name) stays allowed there.
UPDATE workspace_settings
SET allowed_actions = array_append(allowed_actions, 'llm.complete')
WHERE 'llm' = ANY (allowed_actions) AND NOT ('llm.complete' = ANY (allowed_actions));
