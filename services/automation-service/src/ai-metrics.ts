import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { LATENCY_BUCKETS, createTracedHistogram } from '@opsconductor/kit';
import type { ErrorCode } from '@opsconductor/kit';

/** Label for calls whose tool ai-pipeline did not name (it failed before choosing one, or never answered). */
export const UNKNOWN_TOOL = 'unknown';
/** Label for tools past the cap below. */
export const OTHER_TOOL = 'other';

export interface AiMetrics {
  /** A call ai-pipeline answered with 200: `tool` is the one it ran. */
  recordSuccess(tool: string, seconds: number): void;
  /** A failed call: `tool` is the one ai-pipeline named in its envelope, if any. */
  recordError(tool: string | undefined, errorType: ErrorCode, seconds: number): void;
}

export interface AiMetricsOptions {
  /** Distinct tool label values kept before further ones are counted as "other" (default 50). */
  maxTools?: number;
}

/**
 * The seed's `ai_*` series for POST /ai/execute as this service sees it. The `tool` label
 * only ever holds names ai-pipeline answered with, never the string a client sent, and is
 * capped so a misbehaving upstream cannot blow up the series count.
 */
export function createAiMetrics(registry: Registry, opts: AiMetricsOptions = {}): AiMetrics {
  const maxTools = opts.maxTools ?? 50;
  const seen = new Set<string>();
  const requestsTotal = new Counter({
    name: 'ai_requests_total',
    help: 'Calls to ai-pipeline made for POST /ai/execute, by tool and outcome (success|error)',
    labelNames: ['tool', 'status'] as const,
    registers: [registry],
  });
  // Each bucket keeps the trace of its latest request as an exemplar (OpenMetrics scrapes).
  const requestDuration = createTracedHistogram({
    name: 'ai_request_duration_seconds',
    help: 'Time to answer POST /ai/execute, including the call to ai-pipeline, by tool',
    labelNames: ['tool'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const errorsTotal = new Counter({
    name: 'ai_request_errors_total',
    help: 'Failed calls for POST /ai/execute, by tool and error envelope code',
    labelNames: ['tool', 'error_type'] as const,
    registers: [registry],
  });

  const label = (tool: string | undefined): string => {
    if (tool === undefined) return UNKNOWN_TOOL;
    if (seen.has(tool)) return tool;
    if (seen.size >= maxTools) return OTHER_TOOL;
    seen.add(tool);
    return tool;
  };

  return {
    recordSuccess(tool, seconds) {
      const t = label(tool);
      requestsTotal.inc({ tool: t, status: 'success' });
      requestDuration.observe({ tool: t }, seconds);
    },
    recordError(tool, errorType, seconds) {
      const t = label(tool);
      requestsTotal.inc({ tool: t, status: 'error' });
      requestDuration.observe({ tool: t }, seconds);
      errorsTotal.inc({ tool: t, error_type: errorType });
    },
  };
}
