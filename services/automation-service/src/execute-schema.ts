import { z } from 'zod';
import { isValidTraceId } from '@opsconductor/kit';
import { TOOL_NAME_PATTERN } from '@opsconductor/pipeline-client';

export const MAX_INPUT_CHARS = 100_000;

const toolName = z.string().regex(TOOL_NAME_PATTERN, 'must be a tool name: a lower-case letter, then up to 63 of a-z 0-9 _ . -');

/** Body of POST /ai/execute. Unknown fields are refused, so a typo never passes silently. */
export const executeBodySchema = z.strictObject({
  input: z.string().min(1, 'must not be empty').max(MAX_INPUT_CHARS, `must be at most ${MAX_INPUT_CHARS} characters`),
  tool: toolName.optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  trace_id: z.string().refine(isValidTraceId, 'must be 1–128 characters of A-Z a-z 0-9 . _ : -').optional(),
});

export type ExecuteBody = z.infer<typeof executeBodySchema>;
