import type { FastifyInstance } from 'fastify';
import type { ToolRegistry } from '../tools/registry';

/** GET /tools: every registered tool with the JSON schema of its params and whether it can run. */
export function registerToolsRoute(app: FastifyInstance, tools: ToolRegistry): void {
  app.get('/tools', async () => ({ tools: tools.describe() }));
}
