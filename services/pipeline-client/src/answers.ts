import { z } from 'zod';
import type { ActionPlan, ToolDescription } from '@opsconductor/api-types';
import { ERROR_CODES } from '@opsconductor/kit';
import type { ErrorCode } from '@opsconductor/kit';

/** A tool name as ai-pipeline's registry spells them: lower-case, at most 64 characters. */
export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

const toolName = z.string().regex(TOOL_NAME_PATTERN);

/** ai-pipeline's 200 answer. Extra fields (its own duration, trace id) are ignored. */
export const pipelineSuccessSchema = z.object({
  success: z.literal(true),
  output: z.json(),
  tool: toolName,
});

export type PipelineSuccess = z.infer<typeof pipelineSuccessSchema>;

/** A plan as ai-pipeline's POST /plan answers it (and /execute shows the plan it ran). */
export const actionPlanSchema = z.object({
  tool: toolName,
  params: z.record(z.string(), z.json()),
  planned_by: z.enum(['llm', 'selector', 'bypass']),
}) satisfies z.ZodType<ActionPlan>;

/** ai-pipeline's 200 answer to POST /plan. */
export const pipelinePlanSchema = z.object({
  success: z.literal(true),
  plan: actionPlanSchema,
});

export type { ActionPlan };

/** ai-pipeline's error envelope (the kit's, as every service answers it). */
export const pipelineErrorSchema = z.object({
  success: z.literal(false),
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    /** ai-pipeline's hint whether the same request may succeed later (the jobs worker retries on it). */
    retryable: z.boolean().optional(),
  }),
  tool: z.string().optional(),
});

export type PipelineErrorAnswer = z.infer<typeof pipelineErrorSchema>;

/** The tool named by an upstream answer, when it is a well-formed name (it may become a metric label). */
export function wellFormedTool(value: unknown): string | undefined {
  return typeof value === 'string' && TOOL_NAME_PATTERN.test(value) ? value : undefined;
}

/**
 * One tool of ai-pipeline's GET /tools: what a client needs to offer it and build its params
 * form. Typed against the shared ToolDescription, so the parser and the type cannot drift.
 */
export const toolDescriptionSchema = z.object({
  name: toolName,
  description: z.string(),
  platform: z.string(),
  keywords: z.array(z.string()),
  /** JSON Schema of the tool's params. */
  params_schema: z.record(z.string(), z.unknown()),
  available: z.boolean(),
  unavailable_reason: z.string().optional(),
}) satisfies z.ZodType<ToolDescription>;

// `satisfies` checks that what the schema parses is a ToolDescription; this checks the other
// way, that every field of one is parsed: z.object drops the keys it does not list, so a field
// added to ToolDescription alone would vanish here without a word. Names the missing keys.
type UnparsedKeys = Exclude<keyof ToolDescription, keyof z.infer<typeof toolDescriptionSchema>>;
const _everyFieldParsed: [UnparsedKeys] extends [never] ? true : UnparsedKeys = true;

export type { ToolDescription };

export const toolsAnswerSchema = z.object({ tools: z.array(toolDescriptionSchema) });
