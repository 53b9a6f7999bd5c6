import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../tracing';
import type { Tracing } from '../tracing';

/**
 * Tracing as a service runs it with an exporter, but recording into memory: without anything
 * to record spans, startTracing does not start the SDK at all.
 */
export function startRecordingTracing(serviceName: string): Tracing & { spans(): ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ serviceName, env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { ...tracing, spans: () => exporter.getFinishedSpans() };
}
