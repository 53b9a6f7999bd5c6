import { setWorkspaceSettings } from '@opsconductor/db';
import { FAKE_TOOLS, startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { createCaller, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';

describe('GET /ai/tools and GET /ai/whoami', () => {
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();

  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url });
    await setWorkspaceSettings(service.db, 'ws-echo-only', { allowed_actions: ['echo'] });
  });

  afterAll(async () => {
    await caller.close();
    await service.close();
    await upstream.close();
  });

  it("lists ai-pipeline's tools with their params schema, each allowed where the workspace allows every action", async () => {
    const res = await caller.call(`${service.url}/ai/tools`, { headers: service.auth });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ actions_enabled: true, tools: FAKE_TOOLS.map((tool) => ({ ...tool, allowed: true })) });
  });

  it("marks the tools outside a workspace's own allowlist as not allowed", async () => {
    const res = await caller.call(`${service.url}/ai/tools`, { headers: await service.keyFor('ws-echo-only') });
    const tools = res.json.tools as Array<{ name: string; allowed: boolean }>;
    expect(tools.map((t) => [t.name, t.allowed])).toEqual([
      ['echo', true],
      ['llm.complete', false],
    ]);
  });

  it('reuses one answer of ai-pipeline for a few seconds instead of asking on every call', async () => {
    const before = upstream.toolCalls();
    await Promise.all([1, 2, 3].map(() => caller.call(`${service.url}/ai/tools`, { headers: service.auth })));
    expect(upstream.toolCalls() - before).toBeLessThanOrEqual(1);
  });

  it('needs a key', async () => {
    const res = await caller.call(`${service.url}/ai/tools`);
    expect(res.status).toBe(401);
  });

  it("tells the key's workspace, actor and scopes, never the key", async () => {
    const headers = await service.keyFor('ws-me', 'alice', ['actions:preview']);
    const res = await caller.call(`${service.url}/ai/whoami`, { headers });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ workspace_id: 'ws-me', actor_id: 'alice', scopes: ['actions:preview'], key_id: expect.any(String) });
    expect(JSON.stringify(res.json)).not.toContain(String(headers.authorization).slice('Bearer '.length));
  });
});

describe('GET /ai/tools when ai-pipeline is down', () => {
  it('answers the envelope (502) and asks again on the next call', async () => {
    const upstream = await startFakePipeline();
    const service = await startService({ pipelineUrl: upstream.url });
    const caller = createCaller();
    try {
      upstream.behave({ kind: 'json', status: 500, body: { success: false, error: { code: 'INTERNAL_ERROR', message: 'boom' } } });
      const failed = await caller.call(`${service.url}/ai/tools`, { headers: service.auth });
      expect(failed.status).toBe(502);
      expect(failed.json).toMatchObject({ success: false, error: { code: 'BAD_GATEWAY' } });
      upstream.behave({ kind: 'pong' });
      const ok = await caller.call(`${service.url}/ai/tools`, { headers: service.auth });
      expect(ok.status).toBe(200);
    } finally {
      await caller.close();
      await service.close();
      await upstream.close();
    }
  });
});
