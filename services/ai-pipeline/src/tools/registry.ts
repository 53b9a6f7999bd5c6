import { z } from 'zod';
import type { ToolDescription } from '@opsconductor/api-types';
import type { Logger } from '@opsconductor/kit';

/** What a tool's `execute` receives besides its params. */
export interface ToolContext {
  /** The request's `input`, unchanged. */
  input: string;
  /**
   * Aborts when the caller disconnects before the answer or the service shuts down; its
   * `reason` is the error to end with. Pass it to every I/O call and timer.
   */
  signal: AbortSignal;
  traceId: string;
  /** The request's logger, bound to trace_id and tool. */
  logger: Logger;
  /**
   * The caller's workspace (X-Workspace-Id, set by the automation-service and the queue-worker);
   * absent when the caller named none. Tools that read or write data do it in this workspace only.
   */
  workspaceId?: string;
  /**
   * The job being run (X-Job-Id, set by the queue-worker); absent for a sync call. A job may run
   * more than once (at-least-once delivery), so a tool with side effects does them once per job id.
   */
  jobId?: string;
}

/** Any JSON value: what a tool may answer as `output`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type ToolAvailability = { available: true } | { available: false; reason: string };

export interface Tool<P extends z.ZodType = z.ZodType> {
  /** Unique, lower-case (`[a-z][a-z0-9_.-]*`, e.g. `task.create`), used in requests (`tool`) and as a metric label. */
  name: string;
  description: string;
  /** Where the tool runs, a bounded metric label: "builtin", "llm", ... */
  platform: string;
  /** Words the selector matches against the input (weighted above description words). */
  keywords: readonly string[];
  /** Validates `params`; use z.strictObject so unknown fields are refused. */
  params: P;
  /**
   * ms the tool may run before /execute answers 504 TIMEOUT (retryable) and aborts its signal;
   * default TOOL_TIMEOUT_MS. A tool with a deadline of its own sets it a little above that one.
   */
  timeoutMs?: number;
  /** Throws AppError/ToolError for expected failures; anything else becomes a logged 500. */
  execute(params: z.infer<P>, ctx: ToolContext): Promise<JsonValue>;
  /** Whether the tool can work as configured (shown at GET /tools); defaults to available. */
  availability?(): ToolAvailability;
}

/** Helper that keeps the params type of `execute` tied to the tool's schema. */
export function defineTool<P extends z.ZodType>(tool: Tool<P>): Tool<P> {
  return tool;
}

/** A tool as GET /tools describes it: the shape its clients (pipeline-client, the frontend) share. */
export type { ToolDescription };

/**
 * Tool names are action names (`task.create`): the jobs API and pipeline-client accept the
 * same characters. A name becomes a metric label only once registered, so labels stay as few
 * as the registered tools.
 */
const NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
const PLATFORM_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * The tools this process can run. Filled once at start; names and platforms are checked here
 * because they become metric labels.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, { tool: Tool; paramsSchema: Record<string, unknown> }>();
  private revisionCount = 0;

  constructor(tools: readonly Tool[] = []) {
    for (const tool of tools) this.register(tool);
  }

  register(tool: Tool): this {
    if (!NAME_PATTERN.test(tool.name)) throw new Error(`tool name "${tool.name}" must match ${NAME_PATTERN}`);
    if (!PLATFORM_PATTERN.test(tool.platform)) throw new Error(`tool "${tool.name}": platform "${tool.platform}" must match ${PLATFORM_PATTERN}`);
    if (this.tools.has(tool.name)) throw new Error(`a tool named "${tool.name}" is already registered`);
    // Converted now so a schema that has no JSON form fails at start, not on GET /tools.
    const paramsSchema = z.toJSONSchema(tool.params, { io: 'input' }) as Record<string, unknown>;
    this.tools.set(tool.name, { tool, paramsSchema });
    this.revisionCount += 1;
    return this;
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name)?.tool;
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.tools.keys()].sort();
  }

  all(): Tool[] {
    return this.names().map((name) => this.tools.get(name)!.tool);
  }

  /** Changes whenever a tool is added, so caches built over the registry know to rebuild. */
  get revision(): number {
    return this.revisionCount;
  }

  describe(): ToolDescription[] {
    return this.names().map((name) => {
      const { tool, paramsSchema } = this.tools.get(name)!;
      const availability = tool.availability?.() ?? { available: true };
      const description: ToolDescription = {
        name: tool.name,
        description: tool.description,
        platform: tool.platform,
        keywords: tool.keywords,
        params_schema: paramsSchema,
        available: availability.available,
      };
      if (!availability.available) description.unavailable_reason = availability.reason;
      return description;
    });
  }
}
