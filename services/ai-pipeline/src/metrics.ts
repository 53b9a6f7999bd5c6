import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { LATENCY_BUCKETS, createTracedHistogram } from '@opsconductor/kit';
import type { ErrorCode } from '@opsconductor/kit';

/** `error_type` values: an envelope code, or CLIENT_CLOSED when the caller hung up first. */
export type ErrorType = ErrorCode | 'CLIENT_CLOSED';

/** Tool label for requests that never resolved to a registered tool (bad body, unknown name). */
export const UNKNOWN_TOOL = 'unknown';

/** Selector lookups are in-memory: microseconds to a few ms. */
const SELECTOR_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];

export interface PipelineMetrics {
  requestsTotal: Counter<'tool' | 'status'>;
  requestDuration: Histogram<'tool'>;
  requestErrorsTotal: Counter<'tool' | 'error_type'>;
  selectorSearchTotal: Counter<'platform'>;
  selectorSearchDuration: Histogram;
  selectorCacheHitsTotal: Counter;
  selectorCacheMissesTotal: Counter;
  /** Tokens the LLM provider reported, `type` input or output; `model` is AI_MODEL (one value per process). */
  llmTokensTotal: Counter<'model' | 'type'>;
}

/** The seed's ai_* and selector_* series, on the service's registry. */
export function createPipelineMetrics(registry: Registry): PipelineMetrics {
  const registers = [registry];
  return {
    requestsTotal: new Counter({
      name: 'ai_requests_total',
      help: 'POST /execute requests, by tool and outcome (success or error)',
      labelNames: ['tool', 'status'] as const,
      registers,
    }),
    // Each bucket keeps the trace of its latest request as an exemplar (OpenMetrics scrapes).
    requestDuration: createTracedHistogram({
      name: 'ai_request_duration_seconds',
      help: 'Time to answer POST /execute, by tool',
      labelNames: ['tool'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    requestErrorsTotal: new Counter({
      name: 'ai_request_errors_total',
      help: 'Failed POST /execute requests, by tool and error code',
      labelNames: ['tool', 'error_type'] as const,
      registers,
    }),
    selectorSearchTotal: new Counter({
      name: 'selector_search_total',
      help: 'Tool selections from the input, by platform of the chosen tool ("none" when no tool matched)',
      labelNames: ['platform'] as const,
      registers,
    }),
    selectorSearchDuration: new Histogram({
      name: 'selector_search_duration_seconds',
      help: 'Time to select a tool from the input, cache lookups included',
      buckets: SELECTOR_BUCKETS,
      registers,
    }),
    selectorCacheHitsTotal: new Counter({ name: 'selector_cache_hits_total', help: 'Selections answered from the cache', registers }),
    selectorCacheMissesTotal: new Counter({ name: 'selector_cache_misses_total', help: 'Selections that had to score the tools', registers }),
    llmTokensTotal: new Counter({
      name: 'ai_llm_tokens_total',
      help: "Tokens of LLM calls (llm.complete and the planner) as the provider's usage reports them, by model and type (input or output)",
      labelNames: ['model', 'type'] as const,
      registers,
    }),
  };
}

/** Records one finished /execute; `errorType` is absent on success. */
export function recordExecution(metrics: PipelineMetrics, tool: string, seconds: number, errorType?: ErrorType): void {
  metrics.requestsTotal.inc({ tool, status: errorType === undefined ? 'success' : 'error' });
  metrics.requestDuration.observe({ tool }, seconds);
  if (errorType !== undefined) metrics.requestErrorsTotal.inc({ tool, error_type: errorType });
}

/** Starts the per-tool and per-platform counters at 0, so rate() and dashboards see them before the first call. */
export function initSeries(metrics: PipelineMetrics, tools: ReadonlyArray<{ name: string; platform: string }>): void {
  for (const tool of tools) {
    metrics.requestsTotal.inc({ tool: tool.name, status: 'success' }, 0);
    metrics.requestsTotal.inc({ tool: tool.name, status: 'error' }, 0);
    metrics.selectorSearchTotal.inc({ platform: tool.platform }, 0);
  }
  metrics.selectorSearchTotal.inc({ platform: 'none' }, 0);
}
