import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../tracing';
import type { Tracing } from '../tracing';

export interface RecordingTracing extends Tracing {
  /** Ended spans exported so far. */
  spans(): ReadableSpan[];
  /**
   * Waits for ended spans to reach spans(): the processor exports a span only once the
   * resource's asynchronous attributes (host, process detectors) are known.
   */
  flush(): Promise<void>;
}

/**
 * Tracing as a service runs it with an exporter, but recording into memory: without anything
 * to record spans, startTracing does not start the SDK at all.
 */
export function startRecordingTracing(serviceName: string): RecordingTracing {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const tracing = startTracing({ serviceName, env: {}, spanProcessors: [processor] });
  return { ...tracing, spans: () => exporter.getFinishedSpans(), flush: () => processor.forceFlush() };
}
