import type { z } from 'zod';
import type { JsonValue, Tool } from '../tools/registry';
import { ToolError } from '../tools/tool-error';
import { canonicalToolName } from './aliases';

/** A tool as the model is offered it. */
export interface OfferedTool {
  tool: Tool;
  /** JSON Schema of its params (from the registry's zod conversion). */
  paramsSchema: Record<string, unknown>;
}

/** The tool the model chose, when its name is safe to repeat in a message or a log (bounded, our alphabet). */
const PRINTABLE_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

/**
 * The `response_format` of a planning call: one object, `{tool, params}`, that is one of the
 * offered tools with its own params. `strict: false`, as OpenAI's strict mode refuses optional
 * properties and most params have some; the answer is validated here either way.
 */
export function planResponseFormat(offered: readonly OfferedTool[]): Record<string, unknown> {
  const schema = {
    type: 'object',
    anyOf: offered.map(({ tool, paramsSchema }) => ({
      type: 'object',
      properties: { tool: { const: tool.name }, params: withoutDialect(paramsSchema) },
      required: ['tool', 'params'],
      additionalProperties: false,
    })),
  };
  return { type: 'json_schema', json_schema: { name: 'action_plan', strict: false, schema } };
}

/**
 * Lists the tools with their descriptions and params: providers that ignore `response_format`
 * (or know only `json_object`) still see what to answer. Today's date lets "on Friday" become
 * a due date.
 */
export function planSystemPrompt(offered: readonly OfferedTool[], fallback: string | undefined, today: Date): string {
  const lines = [
    'You turn one request into exactly one action for OpsConductor to run.',
    'Answer with a single JSON object and nothing else: {"tool": "<tool name>", "params": {...}}, where params follow that tool\'s params schema.',
    `Today is ${today.toISOString().slice(0, 10)} (UTC); write dates as YYYY-MM-DD.`,
  ];
  if (fallback) lines.push(`When no other tool fits the request, choose ${fallback} with {} as params: it answers the request in text.`);
  lines.push('Tools:');
  for (const { tool, paramsSchema } of offered) {
    lines.push(`- ${tool.name}: ${tool.description}. Params schema: ${JSON.stringify(withoutDialect(paramsSchema))}`);
  }
  return lines.join('\n');
}

/** What the model planned, once it passed every check. */
export interface CheckedPlan {
  tool: Tool;
  params: Record<string, JsonValue>;
  parsed: unknown;
}

/**
 * Checks the model's answer: JSON, a tool among the offered ones, params its schema accepts.
 * Every failure is 502 BAD_GATEWAY, not retryable (see docs/decisions/actions.md, "The
 * planner"), and names at most the tool and fields: the model's text may echo the input, so
 * it is never copied into a message or a log.
 */
export function checkPlan(text: string, truncated: boolean, offered: ReadonlyMap<string, Tool>): CheckedPlan {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    const why = truncated ? ' (it was cut off at max_tokens: raise AI_MAX_OUTPUT_TOKENS)' : '';
    throw plannerError(`the planner's answer was not valid JSON${why}`);
  }
  if (!isObject(answer) || typeof answer.tool !== 'string') throw plannerError('the planner\'s answer names no tool: expected {"tool": ..., "params": {...}}');

  const name = canonicalToolName(answer.tool);
  const tool = offered.get(name);
  const allowed = [...offered.keys()].join(', ');
  if (!tool) {
    const shown = PRINTABLE_NAME.test(name) ? `"${name}"` : 'a tool name that is none of ours';
    throw plannerError(`the planner chose ${shown}, which is not among the allowed tools: ${allowed}`);
  }

  const params = answer.params ?? {};
  if (!isObject(params)) {
    throw plannerError(`the planner's params for ${tool.name} are not an object`, [{ field: 'plan.params', message: 'expected an object' }]);
  }
  const parsed = tool.params.safeParse(params);
  if (!parsed.success) {
    const details = boundedDetails(parsed.error);
    throw plannerError(`the planner's params for ${tool.name} do not fit its schema: ${details.map((d) => d.field).join(', ')}`, details);
  }
  return { tool, params: params as Record<string, JsonValue>, parsed: parsed.data };
}

/** A short key of our alphabet; anything else the model wrote is shown as `?`. */
const PRINTABLE_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const printable = (key: PropertyKey) => (typeof key === 'number' || (typeof key === 'string' && PRINTABLE_KEY.test(key)) ? String(key) : '?');

/**
 * The envelope's details of params the schema refused. Keys come from the model's answer
 * (unknown fields, header names), so each is shown only when short and plain.
 */
function boundedDetails(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.slice(0, 20).map((issue) => {
    const field = ['plan.params', ...issue.path.map(printable)].join('.');
    if (issue.code === 'unrecognized_keys') return { field, message: `unknown field(s): ${issue.keys.slice(0, 10).map(printable).join(', ')}` };
    return { field, message: issue.message };
  });
}

function plannerError(message: string, details?: Array<{ field: string; message: string }>): ToolError {
  // Not retryable: at temperature 0 the same input mostly gets the same answer, and each retry
  // of a job would pay for the tokens again. A caller may still send the request once more.
  return new ToolError('BAD_GATEWAY', message, { retryable: false, ...(details ? { details } : {}) });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `$schema` names the dialect of a whole document; inside `anyOf` it is noise to the model. */
function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
