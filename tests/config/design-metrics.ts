/**
 * DESIGN.md "Metric names": the series dashboards and alerts are built on. A query that names
 * anything else charts or alerts on a series no service exports.
 */
const COUNTERS_AND_GAUGES = [
  'ai_requests_total',
  'ai_request_errors_total',
  'http_requests_total',
  'selector_search_total',
  'selector_cache_hits_total',
  'selector_cache_misses_total',
  'ai_queue_depth',
  'ai_queue_enqueue_total',
  'ai_queue_dequeue_total',
  'ai_queue_workers',
  'worker_jobs_total',
  'relay_backfill_scanned_total',
  'relay_backfill_migrated_total',
  'relay_backfill_skipped_total',
  'relay_backfill_errors_total',
];

/** Histograms are queried through their `_bucket`, `_sum` and `_count` series. */
const HISTOGRAMS = [
  'ai_request_duration_seconds',
  'http_request_duration_seconds',
  'selector_search_duration_seconds',
  'ai_job_duration_seconds',
  'relay_backfill_duration_seconds',
];

const NAMES = new Set<string>([
  ...COUNTERS_AND_GAUGES,
  ...HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
]);

export function isDesignMetric(name: string): boolean {
  return NAMES.has(name);
}

/**
 * Series of ours beyond DESIGN.md's list, for what it has no name for: the queue-worker's
 * configured slots (ai_queue_workers counts only busy ones), the wait of the oldest ready job,
 * and the circuit breakers of the kit (services/kit/src/circuit-breaker.ts).
 */
const OWN_EXTRA = ['ai_queue_worker_slots', 'ai_queue_oldest_pending_age_seconds', 'circuit_breaker_state', 'circuit_breaker_calls_total'];

/** Kong's prometheus plugin (3.x, as configured in gateway/kong.yml), per Kong's documentation. */
export const KONG_METRICS = [
  'kong_http_requests_total',
  'kong_bandwidth_bytes',
  'kong_upstream_target_health',
  'kong_nginx_connections_total',
  'kong_nginx_requests_total',
  'kong_node_info',
  'kong_datastore_reachable',
  ...['kong_kong_latency_ms', 'kong_upstream_latency_ms', 'kong_request_latency_ms'].flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
];

const KNOWN = new Set<string>([...NAMES, ...OWN_EXTRA, ...KONG_METRICS, 'up']);

/**
 * A series some part of the mesh exports (DESIGN.md's, our extra gauges, Kong's) or Prometheus'
 * own `up`. Recording rules' names are checked by whoever reads the rule files. The live check,
 * against the running mesh's /metrics, is tests/e2e/metrics-contract.test.ts.
 */
export function isKnownMetric(name: string): boolean {
  return KNOWN.has(name);
}
