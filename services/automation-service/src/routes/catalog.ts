import type { FastifyInstance } from 'fastify';
import type { CatalogTool, ToolsAnswer } from '@opsconductor/api-types';
import type { ToolCatalog, ToolDescription } from '@opsconductor/pipeline-client';
import { callerOf } from '../auth/caller';
import type { ActionPolicy } from '../guardrails/action-policy';

export interface CatalogRouteDeps {
  tools: ToolCatalog;
  policy: ActionPolicy;
  /** How long one answer of ai-pipeline's GET /tools is reused, in ms (default 5000). */
  cacheMs?: number;
}


/**
 * GET /ai/tools: the tools a client can offer (the Exec Sandbox builds its tool selector and
 * params forms from it), each marked `allowed` by the workspace's allowlist; and GET /ai/whoami:
 * whose key this is and what it may do, never the key itself.
 */
export function registerCatalogRoutes(app: FastifyInstance, deps: CatalogRouteDeps): void {
  const cacheMs = deps.cacheMs ?? 5000;
  // One fetch serves every caller for cacheMs; a failure is not kept, so the next call retries.
  let cached: { at: number; tools: Promise<ToolDescription[]> } | undefined;
  const catalog = (traceId: string): Promise<ToolDescription[]> => {
    if (cached && performance.now() - cached.at < cacheMs) return cached.tools;
    // Bounded by the client's own timeout; a caller that goes away leaves the shared fetch running.
    const tools = deps.tools.tools({ traceId, signal: new AbortController().signal });
    const entry = { at: performance.now(), tools };
    cached = entry;
    tools.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return tools;
  };

  app.get('/ai/tools', { config: { scope: 'actions:preview' } }, async (request): Promise<ToolsAnswer> => {
    const caller = callerOf(request);
    const [tools, allowlist] = await Promise.all([catalog(request.traceId), deps.policy.allowlistOf(caller.workspaceId)]);
    return {
      actions_enabled: deps.policy.actionsEnabled,
      tools: tools.map((tool): CatalogTool => ({ ...tool, allowed: allowlist === '*' || allowlist.includes(tool.name) })),
    };
  });

  app.get('/ai/whoami', { config: { scope: 'actions:preview' } }, async (request) => {
    const caller = callerOf(request);
    return { workspace_id: caller.workspaceId, actor_id: caller.actorId, scopes: caller.scopes, key_id: caller.keyId };
  });
}
