import { otlpTracesUrl } from '../src/tracing';

// The export itself is proven end to end (tests/e2e): the exporter loads its HTTP agent with a
// dynamic import(), which Jest's module sandbox does not allow.
describe('OTLP export', () => {
  it('derives the traces URL as the OpenTelemetry spec says', () => {
    expect(otlpTracesUrl({})).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' })).toBe('http://jaeger:4318/v1/traces');
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:1/t' })).toBe('http://b:1/t');
  });
});
