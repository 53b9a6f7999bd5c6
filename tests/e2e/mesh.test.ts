/**
 * The whole mesh, started exactly as `scripts/start` does (built services, real processes,
 * real Redis, a real PostgreSQL database of its own), exercised through the gateway stand-in
 * with a real API key.
 */
import { readFileSync } from 'node:fs';
import { waitFor } from '@opsconductor/mesh';
import type { Mesh, ServiceName } from '@opsconductor/mesh';
import type { OtlpCollector } from './otlp-collector';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

const PIPELINE_TIMEOUT_MS = 1500;

let testMesh: TestMesh;
let mesh: Mesh;
let key: { authorization: string };
let collector: OtlpCollector;

beforeAll(async () => {
  testMesh = await startTestMesh({
    name: 'mesh',
    traces: true,
    env: { LOG_LEVEL: 'info', FEATURE_BYPASS_LLM: 'false' },
    serviceEnv: { 'automation-service': { AI_PIPELINE_TIMEOUT_MS: String(PIPELINE_TIMEOUT_MS) } },
  });
  mesh = testMesh.mesh;
  collector = testMesh.traces!;
  key = await testMesh.keyFor('ws-mesh', 'alice');
}, 90_000);

afterAll(async () => {
  await testMesh?.stop();
}, 60_000);

/** What /ai/execute answers: the seed's success shape or the error envelope. */
interface Answer {
  success: boolean;
  output?: unknown;
  tool?: string;
  trace_id: string;
  duration_ms: number;
  error: { code: string; message: string; details?: Array<{ field: string; message: string }> };
}

async function execute(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: Answer }> {
  const res = await fetch(`${mesh.urls.gateway}/ai/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...key, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Answer };
}

/** The JSON log lines a service wrote so far. */
function logLines(service: ServiceName): Array<Record<string, unknown>> {
  return readFileSync(mesh.services[service].logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function completedLine(service: ServiceName, traceId: string): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await waitFor(
    `${service} log line for ${traceId}`,
    async () => {
      found = logLines(service).find((l) => l.trace_id === traceId && l.msg === 'request completed');
      return found !== undefined;
    },
    { timeoutMs: 5000 },
  );
  return found as Record<string, unknown>;
}

async function counter(metricsUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('the mesh through the gateway', () => {
  it('answers ping with pong in the seed shape', async () => {
    const res = await execute({ input: 'ping', tool: 'echo' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true, output: 'pong', tool: 'echo', trace_id: expect.any(String), duration_ms: expect.any(Number) });
    expect(res.headers.get('x-trace-id')).toBe(res.json.trace_id);
  });

  it('keeps the trace id sent in, returns it, and ai-pipeline sees the same id in the same W3C trace', async () => {
    const traceId = `e2e-${Date.now()}`;
    const res = await execute({ input: 'ping', tool: 'echo' }, { 'x-trace-id': traceId });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-trace-id')).toBe(traceId);
    expect(res.json.trace_id).toBe(traceId);

    const pipeline = await completedLine('ai-pipeline', traceId);
    const automation = await completedLine('automation-service', traceId);
    expect(pipeline.route).toBe('/execute');
    expect(automation.route).toBe('/ai/execute');
    // One OpenTelemetry trace spans both hops: traceparent was propagated.
    expect(pipeline.otel_trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(automation.otel_trace_id).toBe(pipeline.otel_trace_id);

    // ...and that trace was exported over OTLP by every hop, the gateway included.
    const services = () => new Set(collector.spans.filter((s) => s.traceId === pipeline.otel_trace_id).map((s) => s.service));
    await waitFor('spans of all three services', async () => services().size === 3, { timeoutMs: 10_000 });
    expect([...services()].sort()).toEqual(['ai-pipeline', 'automation-service', 'gateway-local']);
  });

  it("serves ai-pipeline's real tool catalog and the key's identity through the gateway", async () => {
    const tools = await fetch(`${mesh.urls.gateway}/ai/tools`, { headers: key });
    expect(tools.status).toBe(200);
    const catalog = (await tools.json()) as { tools: Array<{ name: string; params_schema: { type?: string }; allowed: boolean; available: boolean }> };
    expect(catalog.tools.find((t) => t.name === 'echo')).toMatchObject({ allowed: true, available: true, params_schema: { type: 'object' } });
    const whoami = await fetch(`${mesh.urls.gateway}/ai/whoami`, { headers: key });
    expect(await whoami.json()).toMatchObject({ workspace_id: 'ws-mesh', actor_id: 'alice' });
  });

  it('takes the trace id from the body over the header', async () => {
    const res = await execute({ input: 'ping', tool: 'echo', trace_id: 'body-id-1' }, { 'x-trace-id': 'header-id-1' });
    expect(res.json.trace_id).toBe('body-id-1');
    await completedLine('ai-pipeline', 'body-id-1');
  });

  it('answers a request without a trace id with the id of its trace, the same in header, body and downstream (tool picked by the selector)', async () => {
    const res = await execute({ input: 'ping' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ output: 'pong', tool: 'echo' });
    const traceId = res.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.json.trace_id).toBe(traceId);
    const line = await completedLine('ai-pipeline', traceId as string);
    expect(line.otel_trace_id).toBe(traceId);
  });

  it.each([
    ['a missing input', { tool: 'echo' }, 'body.input'],
    ['an unknown field', { input: 'ping', color: 'red' }, 'body'],
    ['a wrong type', { input: 42 }, 'body.input'],
    ['malformed JSON', '{"input": ', 'body'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_name, body, field) => {
    const res = await execute(body);
    expect(res.status).toBe(400);
    expect(res.json.success).toBe(false);
    expect(res.json.error.code).toBe('VALIDATION_ERROR');
    expect(res.json.error.details?.map((d) => d.field)).toContain(field);
    expect(res.json.trace_id).toBe(res.headers.get('x-trace-id'));
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await fetch(`${mesh.urls.gateway}/ai/execute`, { method: 'POST', headers: { 'content-type': 'text/plain', ...key }, body: 'ping' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as Answer).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 504 TIMEOUT when ai-pipeline is slower than the timeout', async () => {
    const started = Date.now();
    const res = await execute({ input: 'slow', tool: 'echo', params: { delay_ms: PIPELINE_TIMEOUT_MS * 4 } });
    expect(res.status).toBe(504);
    expect(res.json.error).toEqual({ code: 'TIMEOUT', message: 'AI Pipeline request timed out after 1.5s' });
    expect(Date.now() - started).toBeLessThan(PIPELINE_TIMEOUT_MS * 3);
  });

  it('counts each request in ai_requests_total of both services', async () => {
    const series = 'ai_requests_total{tool="echo",status="success"';
    const before = [await counter(mesh.urls.automationMetrics, series), await counter(mesh.urls.pipelineMetrics, series)];
    await execute({ input: 'ping', tool: 'echo' });
    const after = [await counter(mesh.urls.automationMetrics, series), await counter(mesh.urls.pipelineMetrics, series)];
    expect(after).toEqual([before[0]! + 1, before[1]! + 1]);
  });

  it('shows Kong-named metrics on the gateway status port', async () => {
    const text = await (await fetch(`${mesh.urls.gatewayStatus}/metrics`)).text();
    expect(text).toMatch(/^kong_http_requests_total\{.*code="200".*\} \d+/m);
  });

  it('answers 502 BAD_GATEWAY while ai-pipeline is down, and recovers when it is back', async () => {
    await mesh.stopService('ai-pipeline');
    const down = await execute({ input: 'ping', tool: 'echo' });
    expect(down.status).toBe(502);
    expect(down.json.error.code).toBe('BAD_GATEWAY');
    const ready = await fetch(`${mesh.urls.automation}/ready`);
    expect(ready.status).toBe(503);

    await mesh.startService('ai-pipeline');
    const up = await execute({ input: 'ping', tool: 'echo' });
    expect(up.status).toBe(200);
    expect(up.json.output).toBe('pong');
  }, 60_000);
});
