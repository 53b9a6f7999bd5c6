/**
 * One trace per request, across processes: the mesh exports its spans over OTLP/HTTP to a
 * receiver started here (tests/e2e/otlp-collector.ts), and the spans of a sync request and of
 * a job must form one connected tree: every span but the root names a parent that was exported.
 */
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import type { CollectedSpan } from './otlp-collector';
import type { OtlpCollector } from './otlp-collector';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

const CORRELATION = 'opsconductor.correlation_id';
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;
const PARAM_MARK = 'param-value-that-must-stay-out-of-spans';

let testMesh: TestMesh;
let mesh: Mesh;
let key: { authorization: string };
let collector: OtlpCollector;

beforeAll(async () => {
  testMesh = await startTestMesh({ name: 'tracing', traces: true });
  mesh = testMesh.mesh;
  collector = testMesh.traces!;
  key = await testMesh.keyFor('ws-tracing', 'alice');
}, 90_000);

afterAll(() => testMesh?.stop(), 60_000);

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; traceId: string; json: Record<string, unknown> }> {
  const res = await fetch(`${mesh.urls.gateway}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...key, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, traceId: res.headers.get('x-trace-id') ?? '', json: (await res.json()) as Record<string, unknown> };
}

const spansOf = (traceId: string): CollectedSpan[] => collector.spans.filter((s) => s.traceId === traceId);
const has = (spans: CollectedSpan[], service: string, name: string): boolean => spans.some((s) => s.service === service && s.name === name);

/** Waits until the trace holds every `[service, span name]`, then returns its spans. */
async function traceWith(traceId: string, expected: Array<[string, string]>): Promise<CollectedSpan[]> {
  await waitFor(
    `trace ${traceId}`,
    async () => {
      const spans = spansOf(traceId);
      const missing = expected.filter(([service, name]) => !has(spans, service, name));
      // Thrown, so a timeout names what never arrived next to what did.
      if (missing.length > 0) throw new Error(`missing ${missing.map((e) => e.join(': ')).join(', ')}; have ${spans.map((s) => `${s.service}: ${s.name}`).join(', ')}`);
      return true;
    },
    { timeoutMs: 15_000 },
  );
  return spansOf(traceId);
}

/** The one root and whether every other span's parent is in the trace (a connected tree). */
function shape(spans: CollectedSpan[]): { roots: string[]; orphans: string[] } {
  const ids = new Set(spans.map((s) => s.spanId));
  return {
    roots: spans.filter((s) => s.parentSpanId === undefined).map((s) => `${s.service}: ${s.name}`),
    orphans: spans.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId)).map((s) => `${s.service}: ${s.name}`),
  };
}

const parentOf = (spans: CollectedSpan[], span: CollectedSpan | undefined): CollectedSpan | undefined => spans.find((s) => s.spanId === span?.parentSpanId);
const find = (spans: CollectedSpan[], service: string, name: string): CollectedSpan | undefined => spans.find((s) => s.service === service && s.name === name);

describe('one trace per request', () => {
  it('joins gateway, automation-service, ai-pipeline and the tool for a sync request, and returns its id', async () => {
    const res = await post('/ai/execute', { input: 'ping', tool: 'echo' });
    expect(res.status).toBe(200);
    // No X-Trace-Id sent: the id returned is the trace's own, usable in Jaeger as is.
    expect(res.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.json.trace_id).toBe(res.traceId);

    const spans = await traceWith(res.traceId, [
      ['gateway-local', 'kong'],
      ['automation-service', 'POST /ai/execute'],
      ['ai-pipeline', 'POST /execute'],
      ['ai-pipeline', 'execute_tool echo'],
    ]);
    expect(shape(spans)).toEqual({ roots: ['gateway-local: kong'], orphans: [] });
    // The tool runs under ai-pipeline's server span, which answers automation-service's call.
    const tool = find(spans, 'ai-pipeline', 'execute_tool echo');
    expect(parentOf(spans, tool)).toMatchObject({ name: 'POST /execute', kind: SERVER });
    expect(find(spans, 'automation-service', 'POST /ai/execute')?.attributes['http.route']).toBe('/ai/execute');
    // Every span the services made carries the correlation id, here the trace's own id.
    const ours = spans.filter((s) => s.service !== 'gateway-local');
    expect(ours.filter((s) => s.attributes[CORRELATION] !== res.traceId).map((s) => s.name)).toEqual([]);
  });

  it('keeps a caller\'s X-Trace-Id as the correlation id on every span of the services', async () => {
    const correlation = `caller-${Date.now()}`;
    const res = await post('/ai/execute', { input: 'ping', tool: 'echo' }, { 'x-trace-id': correlation });
    expect(res.traceId).toBe(correlation);
    let traceId = '';
    await waitFor('the tool span of the correlated request', async () => {
      traceId = collector.spans.find((s) => s.name === 'execute_tool echo' && s.attributes[CORRELATION] === correlation)?.traceId ?? '';
      return traceId !== '';
    }, { timeoutMs: 15_000 });
    const spans = await traceWith(traceId, [['automation-service', 'POST /ai/execute'], ['gateway-local', 'kong']]);
    expect(shape(spans).orphans).toEqual([]);
    expect(spans.filter((s) => s.service !== 'gateway-local' && s.attributes[CORRELATION] !== correlation).map((s) => s.name)).toEqual([]);
  });

  it('follows a job from submit through its time in the queue and the worker to the tool and its completion', async () => {
    const submitted = await post('/ai/jobs', { action: 'echo', params: { input: PARAM_MARK } });
    expect(submitted.status).toBe(202);
    const traceId = submitted.traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const spans = await traceWith(traceId, [
      ['gateway-local', 'kong'],
      ['automation-service', 'POST /ai/jobs'],
      ['automation-service', 'ai-jobs publish'],
      ['queue-worker', 'ai-jobs wait'],
      ['queue-worker', 'ai-jobs process'],
      ['ai-pipeline', 'POST /execute'],
      ['ai-pipeline', 'execute_tool echo'],
    ]);
    expect(shape(spans)).toEqual({ roots: ['gateway-local: kong'], orphans: [] });

    const publish = find(spans, 'automation-service', 'ai-jobs publish');
    const wait = find(spans, 'queue-worker', 'ai-jobs wait');
    const process = find(spans, 'queue-worker', 'ai-jobs process');
    expect(publish?.kind).toBe(PRODUCER);
    expect(process?.kind).toBe(CONSUMER);
    // Both worker spans hang under the publish span; the wait ends where the attempt starts.
    expect(parentOf(spans, wait)?.spanId).toBe(publish?.spanId);
    expect(parentOf(spans, process)?.spanId).toBe(publish?.spanId);
    expect(wait!.endNs).toBe(process!.startNs);
    expect(process?.attributes).toMatchObject({ 'messaging.message.id': submitted.json.job_id, 'opsconductor.job.outcome': 'completed', [CORRELATION]: traceId });
    // The pipeline call runs inside the attempt, and so does the completion's Redis call.
    const pipelineServer = find(spans, 'ai-pipeline', 'POST /execute');
    expect(parentOf(spans, parentOf(spans, pipelineServer))?.spanId).toBe(process?.spanId);
    expect(spans.some((s) => s.service === 'queue-worker' && s.parentSpanId === process?.spanId && s.attributes['db.system.name'] === 'redis')).toBe(true);
    // A job's params never reach a span: Redis spans name their command, nothing more.
    expect(spans.filter((s) => JSON.stringify(s.attributes).includes(PARAM_MARK)).map((s) => s.name)).toEqual([]);

    // The run's duration links back to this trace: an exemplar in the worker's OpenMetrics scrape.
    const scrape = await fetch(`${mesh.urls.workerMetrics}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    const buckets = (await scrape.text()).split('\n').filter((l) => l.startsWith('ai_job_duration_seconds_bucket{') && l.includes('status="completed"'));
    expect(buckets.some((l) => l.includes(`# {trace_id="${traceId}"}`))).toBe(true);
  });
});
