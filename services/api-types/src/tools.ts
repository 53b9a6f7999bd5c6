/**
 * One tool of ai-pipeline's GET /tools: what a client needs to offer it and build its params
 * form.
 */
export interface ToolDescription {
  name: string;
  description: string;
  platform: string;
  keywords: readonly string[];
  /** JSON Schema (draft 2020-12, from zod) of the tool's params object. */
  params_schema: Record<string, unknown>;
  available: boolean;
  unavailable_reason?: string;
}

/** A tool as GET /ai/tools shows it: ai-pipeline's description, and whether the caller's workspace may run it. */
export type CatalogTool = ToolDescription & { allowed: boolean };

/** The answer of the automation-service's GET /ai/tools. */
export interface ToolsAnswer {
  actions_enabled: boolean;
  tools: CatalogTool[];
}
