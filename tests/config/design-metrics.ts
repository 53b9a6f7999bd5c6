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
