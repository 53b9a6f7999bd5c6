import { trace } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { openMetricsText } from '@opsconductor/kit';
import { promtoolCheckMetrics, sample, startRecordingTracing } from '@opsconductor/kit/testing';
import { createAiMetrics } from '../src/ai-metrics';
import { startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { closedPort, createCaller, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';

describe('metrics of POST /ai/execute', () => {
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();

  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url });
    caller.useHeaders(service.auth);
  });

  afterAll(async () => {
    await caller.close();
    await service.close();
    await upstream.close();
  });

  it('counts successes and errors by bounded tool and error_type labels, and passes promtool', async () => {
    const execute = `${service.url}/ai/execute`;
    await caller.call(execute, { body: { input: 'ping', tool: 'echo' } });
    await caller.call(execute, { body: { input: 'ping', tool: 'echo' } });
    upstream.behave({ kind: 'json', status: 400, body: { success: false, error: { code: 'VALIDATION_ERROR', message: 'bad params' }, tool: 'email' } });
    await caller.call(execute, { body: { input: 'x', tool: 'email' } });
    // No tool in the envelope: the client's string must not become a label.
    upstream.behave({ kind: 'json', status: 404, body: { success: false, error: { code: 'NOT_FOUND', message: 'no such tool' } } });
    await caller.call(execute, { body: { input: 'x', tool: 'sneaky_client_tool' } });
    upstream.behave({ kind: 'raw', status: 503, body: 'busy' });
    await caller.call(execute, { body: { input: 'x', tool: 'other_client_tool' } });
    // Refused here, never forwarded: not an ai request.
    await caller.call(execute, { body: { input: '' } });

    const { text, status } = await caller.call(`${service.metricsUrl}/metrics`);
    expect(status).toBe(200);
    expect(sample(text, 'ai_requests_total', { tool: 'echo', status: 'success' })).toBe(2);
    expect(sample(text, 'ai_requests_total', { tool: 'email', status: 'error' })).toBe(1);
    expect(sample(text, 'ai_requests_total', { tool: 'unknown', status: 'error' })).toBe(2);
    expect(sample(text, 'ai_request_errors_total', { tool: 'email', error_type: 'VALIDATION_ERROR' })).toBe(1);
    expect(sample(text, 'ai_request_errors_total', { tool: 'unknown', error_type: 'NOT_FOUND' })).toBe(1);
    expect(sample(text, 'ai_request_errors_total', { tool: 'unknown', error_type: 'BAD_GATEWAY' })).toBe(1);
    expect(sample(text, 'ai_request_duration_seconds_count', { tool: 'echo' })).toBe(2);
    expect(sample(text, 'http_requests_total', { route: '/ai/execute', status: '400' })).toBe(2);
    expect(text).not.toContain('sneaky_client_tool');
    expect(text).not.toContain('other_client_tool');
    await expect(promtoolCheckMetrics(text)).resolves.toBe('');
  });

  it('caps the number of distinct tool labels', async () => {
    const registry = new Registry();
    const metrics = createAiMetrics(registry, { maxTools: 2 });
    metrics.recordSuccess('a', 0.01);
    metrics.recordSuccess('b', 0.01);
    metrics.recordSuccess('c', 0.01);
    metrics.recordError('d', 'BAD_GATEWAY', 0.01);
    metrics.recordSuccess('a', 0.01);
    const text = await registry.metrics();
    const tools = [...text.matchAll(/^ai_requests_total\{tool="([^"]+)"/gm)].map((m) => m[1]);
    expect(new Set(tools)).toEqual(new Set(['a', 'b', 'other']));
    expect(sample(text, 'ai_requests_total', { tool: 'a', status: 'success' })).toBe(2);
  });
});

describe('GET /ready', () => {
  it('is 200 while ai-pipeline answers /health, and 503 naming ai_pipeline when it does not', async () => {
    const caller = createCaller();
    const upstream = await startFakePipeline();
    const service = await startService({ pipelineUrl: upstream.url });
    caller.useHeaders(service.auth);
    try {
      const up = await caller.call(`${service.url}/ready`);
      expect(up.status).toBe(200);
      expect(up.json).toMatchObject({ ready: true, checks: { ai_pipeline: { ok: true } } });

      upstream.setHealthStatus(503);
      const sick = await caller.call(`${service.url}/ready`);
      expect(sick.status).toBe(503);
      expect(sick.json).toMatchObject({ ready: false, checks: { ai_pipeline: { ok: false, error: 'ai-pipeline /health answered 503' } } });
    } finally {
      await caller.close();
      await service.close();
      await upstream.close();
    }
  });

  it('is 503 when ai-pipeline is not listening at all', async () => {
    const caller = createCaller();
    const service = await startService({ pipelineUrl: `http://127.0.0.1:${await closedPort()}` });
    caller.useHeaders(service.auth);
    try {
      const down = await caller.call(`${service.url}/ready`);
      expect(down.status).toBe(503);
      expect(down.json).toMatchObject({ ready: false, checks: { ai_pipeline: { ok: false, error: 'ai-pipeline is unreachable (ECONNREFUSED)' } } });
      const health = await caller.call(`${service.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      await caller.close();
      await service.close();
    }
  });
});

describe('ai_request_duration_seconds exemplars', () => {
  let tracing: ReturnType<typeof startRecordingTracing>;
  beforeAll(() => {
    tracing = startRecordingTracing('automation-service-test');
  });
  afterAll(() => tracing.shutdown());

  it('carry the active trace, successes and errors alike, in the OpenMetrics exposition only', async () => {
    const registry = new Registry();
    const metrics = createAiMetrics(registry);
    const inSpan = (record: () => void): string =>
      trace.getTracer('test').startActiveSpan('POST /ai/execute', (span) => {
        record();
        span.end();
        return span.spanContext().traceId;
      });
    const ok = inSpan(() => metrics.recordSuccess('echo', 0.003));
    const failed = inSpan(() => metrics.recordError('echo', 'TIMEOUT', 0.7));
    metrics.recordSuccess('echo', 2); // no active span: no exemplar on its bucket

    const exemplars = (await openMetricsText(registry))
      .split('\n')
      .filter((l) => l.startsWith('ai_request_duration_seconds_bucket{') && l.includes(' # {'))
      .map((l) => [/le="([^"]+)"/.exec(l)?.[1], /# \{trace_id="([0-9a-f]{32})"\}/.exec(l)?.[1]]);
    expect(exemplars).toEqual([
      ['0.005', ok],
      ['1', failed],
    ]);
    const text = await registry.metrics();
    expect(text).not.toContain('trace_id');
    await expect(promtoolCheckMetrics(text)).resolves.toBe('');
  });
});
