import { TRACE_ID_HEADER } from './trace-id';

/**
 * Headers for a call to another service: our trace id. The W3C trace context (`traceparent`)
 * is added to the same call by the http/undici instrumentation that `startTracing` installs
 * (each service loads it with `--require ./dist/instrument.js`); injecting it here as well
 * would send the header twice.
 */
export function outgoingTraceHeaders(traceId: string): Record<string, string> {
  return { [TRACE_ID_HEADER]: traceId };
}
