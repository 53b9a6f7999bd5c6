/** W3C trace ids (what the API makes when the caller sends none) open directly in Jaeger. */
const W3C_TRACE_ID = /^[0-9a-f]{32}$/;

/** Every span of the services carries a caller's own trace id as this attribute (docs/decisions/observability.md). */
export const CORRELATION_ATTRIBUTE = 'opsconductor.correlation_id';

/**
 * Where a trace id is found in Jaeger: its trace page for a W3C id, else a search of the
 * automation-service's spans by the correlation attribute. undefined when no Jaeger is configured.
 */
export function jaegerTraceUrl(jaegerUrl: string, traceId: string): string | undefined {
  const base = jaegerUrl.trim().replace(/\/+$/, '');
  if (base === '' || traceId === '') return undefined;
  if (W3C_TRACE_ID.test(traceId)) return `${base}/trace/${traceId}`;
  const tags = JSON.stringify({ [CORRELATION_ATTRIBUTE]: traceId });
  return `${base}/search?service=automation-service&tags=${encodeURIComponent(tags)}`;
}
