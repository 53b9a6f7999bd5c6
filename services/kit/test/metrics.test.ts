import { Counter } from 'prom-client';
import { createLogger, createMetrics, createMetricsApp } from '../src';
import { promtoolCheckMetrics } from '../src/testing';

describe('metrics', () => {
  it('keeps one registry per instance, so two services in one process do not collide', () => {
    const a = createMetrics({ service: 'a', defaultMetrics: false });
    const b = createMetrics({ service: 'b', defaultMetrics: false });
    a.httpRequestsTotal.inc({ method: 'GET', route: '/x', status: '200' });
    expect(a.registry).not.toBe(b.registry);
    return b.registry.metrics().then((text) => expect(text).not.toContain('route="/x"'));
  });

  it('serves an exposition that promtool accepts, default metrics included', async () => {
    const metrics = createMetrics({ service: 'kit-test' });
    new Counter({ name: 'ai_requests_total', help: 'AI requests', labelNames: ['tool', 'status'], registers: [metrics.registry] }).inc({
      tool: 'echo',
      status: 'success',
    });
    metrics.httpRequestDuration.observe({ method: 'POST', route: '/execute' }, 0.004);
    const app = createMetricsApp({ registry: metrics.registry, logger: createLogger({ service: 't', level: 'silent' }), service: 't' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('process_cpu_seconds_total');
    expect(res.body).toContain('http_request_duration_seconds_bucket{le="0.005",service="kit-test",method="POST",route="/execute"} 1');
    await expect(promtoolCheckMetrics(res.body)).resolves.toBe('');
  });

  it('reports a bad exposition through promtool', async () => {
    await expect(promtoolCheckMetrics('# TYPE bad_total counter\nbad_total{a="1"} x\n')).rejects.toThrow(/promtool check metrics failed/);
  });
});
