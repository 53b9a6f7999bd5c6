import { trace } from '@opentelemetry/api';
import { createMetrics, openMetricsText } from '@opsconductor/kit';
import { promtoolCheckMetrics, startRecordingTracing } from '@opsconductor/kit/testing';
import { createPipelineMetrics, recordExecution } from '../src/metrics';
import { sample, sendJson, startFakeProvider, startService } from './helpers';

describe('ai_* metrics on the metrics app', () => {
  it('count every /execute by tool, outcome and error code, and pass promtool', async () => {
    const provider = await startFakeProvider();
    provider.behave((_req, res) => sendJson(res, 500, { error: { message: 'down' } }));
    const service = await startService({ llm: { baseUrl: provider.baseUrl } });
    try {
      await service.execute({ input: 'ping', tool: 'echo' });
      await service.execute({ input: 'hello', tool: 'echo' });
      await service.execute({ input: 'hi', tool: 'llm' });
      await service.execute({ input: 'hi', tool: 'teleport' });
      await service.execute({ input: 'ping', tool: 'echo', params: { delay_ms: 'x' } });
      await service.execute('{"input":');

      const res = await service.metricsApp.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      const text = res.body;
      expect(sample(text, 'ai_requests_total', { tool: 'echo', status: 'success' })).toBe(2);
      expect(sample(text, 'ai_requests_total', { tool: 'echo', status: 'error' })).toBe(1);
      // The legacy name is counted under the tool it stands for.
      expect(sample(text, 'ai_requests_total', { tool: 'llm.complete', status: 'success' })).toBe(0);
      expect(sample(text, 'ai_requests_total', { tool: 'llm.complete', status: 'error' })).toBe(1);
      expect(sample(text, 'ai_requests_total', { tool: 'unknown', status: 'error' })).toBe(2);
      expect(sample(text, 'ai_request_errors_total', { tool: 'llm.complete', error_type: 'BAD_GATEWAY' })).toBe(1);
      expect(sample(text, 'ai_request_errors_total', { tool: 'echo', error_type: 'VALIDATION_ERROR' })).toBe(1);
      expect(sample(text, 'ai_request_errors_total', { tool: 'unknown', error_type: 'VALIDATION_ERROR' })).toBe(2);
      expect(sample(text, 'ai_request_duration_seconds_count', { tool: 'echo' })).toBe(3);
      expect(sample(text, 'ai_request_duration_seconds_count', { tool: 'llm.complete' })).toBe(1);
      expect(sample(text, 'ai_request_duration_seconds_bucket', { tool: 'echo', le: '+Inf' })).toBe(3);
      expect(text).not.toMatch(/tool="llm"/);
      expect(sample(text, 'http_requests_total', { method: 'POST', route: '/execute', status: '200' })).toBe(2);
      // Labels stay bounded: the unknown name and trace ids never become label values.
      expect(text).not.toContain('teleport');
      await expect(promtoolCheckMetrics(text)).resolves.toBe('');
    } finally {
      await service.close();
      await provider.close();
    }
  });
});

describe('ai_request_duration_seconds exemplars', () => {
  let tracing: ReturnType<typeof startRecordingTracing>;
  beforeAll(() => {
    tracing = startRecordingTracing('ai-pipeline-test');
  });
  afterAll(() => tracing.shutdown());

  it('carry the active trace in the OpenMetrics exposition only, on the bucket of the observation', async () => {
    const metrics = createMetrics({ service: 'ai-pipeline-test', version: 'test', defaultMetrics: false });
    const pipeline = createPipelineMetrics(metrics.registry);
    const traceId = trace.getTracer('test').startActiveSpan('POST /execute', (span) => {
      recordExecution(pipeline, 'echo', 0.003, undefined);
      span.end();
      return span.spanContext().traceId;
    });
    recordExecution(pipeline, 'llm.complete', 0.003, 'BAD_GATEWAY'); // no active span: no exemplar

    const om = await openMetricsText(metrics.registry);
    const withExemplar = om.split('\n').filter((l) => l.startsWith('ai_request_duration_seconds_bucket{') && l.includes(' # {'));
    expect(withExemplar).toHaveLength(1);
    expect(withExemplar[0]).toMatch(new RegExp(`^ai_request_duration_seconds_bucket\\{le="0.005",tool="echo",service="ai-pipeline-test",version="test"\\} 1 # \\{trace_id="${traceId}"\\} 0.003 `));

    const text = await metrics.registry.metrics();
    expect(sample(text, 'ai_request_duration_seconds_count', { tool: 'llm.complete' })).toBe(1);
    expect(text).not.toContain('trace_id');
    await expect(promtoolCheckMetrics(text)).resolves.toBe('');
  });
});
