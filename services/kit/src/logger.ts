import pino from 'pino';
import type { Logger, DestinationStream, Level } from 'pino';
import { trace } from '@opentelemetry/api';
import { scrubLogLine } from './log-scrub';

export type { Logger };

/**
 * Paths that may carry secrets. pino replaces them before the line is written, so a key sent
 * by a client or read from config never reaches a log.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.apiKey',
  '*.api_key',
  '*.AI_API_KEY',
  '*.password',
  '*.token',
];

export interface LoggerOptions {
  service: string;
  level?: Level | 'silent';
  /** Defaults to stdout; tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/**
 * JSON logs, one line per event. Each line carries the OpenTelemetry trace and span of the
 * active span (if any) next to our own `trace_id`, so logs and traces join up, and every line
 * passes through the PII scrubber (log-scrub.ts) on its way out.
 */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(pinoOptions(opts), opts.destination);
}

/** The options createLogger gives pino (exported for the log-scrubbing benchmark). */
export function pinoOptions(opts: Pick<LoggerOptions, 'service' | 'level'>): pino.LoggerOptions {
  return {
    level: opts.level ?? 'info',
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const ctx = span.spanContext();
      return { otel_trace_id: ctx.traceId, span_id: ctx.spanId };
    },
    hooks: { streamWrite: scrubLogLine },
  };
}
