#!/usr/bin/env bash
# Release smoke test: proves a deployed mesh answers end to end before (and right after) a
# release. docs/RELEASE_RUNBOOK.md says what each failed check means.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/release_smoke.sh [--help] [--target stable|canary] [local|staging|production]

Checks one environment (default: local) and prints a summary table:
  health:*          gateway GET /status; automation-service /health and /ready;
                    ai-pipeline /health; queue-worker /health
  metrics:*         every /metrics answers the Prometheus exposition format
                    (text/plain or openmetrics, a # TYPE line, promtool check metrics
                    when promtool is on PATH)
  ping-pong         POST /ai/execute ping through the gateway answers pong, with the
                    X-Trace-Id sent returned unchanged in the header and the body
  ai_requests_total the ping shows as an increment (automation-service, sum of series)
  prometheus        GET /api/v1/query?query=up answers (skipped when no Prometheus URL)
  async-job         POST /ai/jobs through the gateway reaches completed in time

--target canary checks the canary pair instead of the stable one: its automation-service and
ai-pipeline (health, /metrics, counter) at OPSCONDUCTOR_CANARY_* addresses, and the ping and the
job sent straight to the canary automation-service (at weight 0 the gateway sends it nothing).
The gateway and queue-worker checks are the same for both.

Configuration: scripts/env/<environment>.env (URLs; API_KEY_VAR names the variable holding
the API key). A variable of the same name in the environment wins over the file. The key
comes from the environment only; for local, when it is unset, from DEV_KEY_FILE (the
development key scripts/start writes). The key is never printed.

Tunables (environment): OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS (10 per request),
OPSCONDUCTOR_JOB_TIMEOUT_SECONDS (30 for the async job), OPSCONDUCTOR_PROMETHEUS_WAIT_SECONDS
(30: how long a Prometheus without any series yet, just started, is given for its first scrape).

Exit: 0 every check passed (skips allowed), 1 a check failed, 2 usage or configuration error.
EOF
}

RELEASE_SCRIPT=release_smoke.sh
# shellcheck source=scripts/lib/release-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-common.sh"

environment="" target=stable
while (($# > 0)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --target)
      (($# > 1)) || die_usage "--target needs a value (stable or canary)"
      target="$2"
      shift
      ;;
    --target=*) target="${1#--target=}" ;;
    -*) die_usage "unknown option: $1" ;;
    *) take_environment "$1" ;;
  esac
  shift
done
environment="${environment:-local}"
check_environment "$environment"
[[ "$target" == stable || "$target" == canary ]] || die_usage "--target must be stable or canary (got '$target')"
require_tools curl jq

# --- configuration -------------------------------------------------------------------------

load_env_file "$environment"
require_keys OPSCONDUCTOR_GATEWAY_URL OPSCONDUCTOR_GATEWAY_STATUS_URL OPSCONDUCTOR_AUTOMATION_URL \
  OPSCONDUCTOR_AUTOMATION_METRICS_URL OPSCONDUCTOR_PIPELINE_URL OPSCONDUCTOR_PIPELINE_METRICS_URL \
  OPSCONDUCTOR_WORKER_URL
# The canary is checked on its own addresses: at weight 0 the gateway sends it nothing, so the
# ping goes straight to the canary automation-service (the service the gateway would reach).
ping_url="$OPSCONDUCTOR_GATEWAY_URL"
if [[ "$target" == canary ]]; then
  require_keys OPSCONDUCTOR_CANARY_AUTOMATION_URL OPSCONDUCTOR_CANARY_AUTOMATION_METRICS_URL \
    OPSCONDUCTOR_CANARY_PIPELINE_URL OPSCONDUCTOR_CANARY_PIPELINE_METRICS_URL
  OPSCONDUCTOR_AUTOMATION_URL="$OPSCONDUCTOR_CANARY_AUTOMATION_URL"
  OPSCONDUCTOR_AUTOMATION_METRICS_URL="$OPSCONDUCTOR_CANARY_AUTOMATION_METRICS_URL"
  OPSCONDUCTOR_PIPELINE_URL="$OPSCONDUCTOR_CANARY_PIPELINE_URL"
  OPSCONDUCTOR_PIPELINE_METRICS_URL="$OPSCONDUCTOR_CANARY_PIPELINE_METRICS_URL"
  ping_url="$OPSCONDUCTOR_CANARY_AUTOMATION_URL"
fi
load_api_key "$environment"

JOB_TIMEOUT="${OPSCONDUCTOR_JOB_TIMEOUT_SECONDS:-30}"
PROMETHEUS_WAIT="${OPSCONDUCTOR_PROMETHEUS_WAIT_SECONDS:-30}"
positive_int OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS "$HTTP_TIMEOUT"
positive_int OPSCONDUCTOR_JOB_TIMEOUT_SECONDS "$JOB_TIMEOUT"
positive_int OPSCONDUCTOR_PROMETHEUS_WAIT_SECONDS "$PROMETHEUS_WAIT"

# --- checks --------------------------------------------------------------------------------

check_health() {
  local name="$1" url="$2"
  http GET "$url"
  if [[ "$STATUS" == 200 ]]; then pass "$name" "GET $url 200"; else fail "$name" "GET $url: $(failure)"; fi
}

# Kong's own metric names (its prometheus plugin, copied by the local stand-in) break these
# naming lints of promtool; the exposition is still valid. Same list as
# KONG_PROMTOOL_NAMING_FINDINGS in services/kit/src/testing.
KONG_NAMING_FINDINGS=(
  'kong_bandwidth_bytes counter metrics should have "_total" suffix'
  'kong_nginx_connections_total non-counter metrics should not have "_total" suffix'
  'kong_nginx_requests_total non-counter metrics should not have "_total" suffix'
  'kong_kong_latency_ms metric names should not contain abbreviated units'
  'kong_upstream_latency_ms metric names should not contain abbreviated units'
  'kong_request_latency_ms metric names should not contain abbreviated units'
)

# check_metrics NAME BASE_URL [kong]: `kong` tolerates Kong's naming findings only.
check_metrics() {
  local name="$1" url="$2/metrics" allowed="${3:-}"
  http GET "$url"
  if [[ "$STATUS" != 200 ]]; then
    fail "$name" "GET $url: $(failure)"
    return
  fi
  local type
  type="$(header content-type)"
  if [[ ! "$type" =~ ^(text/plain|application/openmetrics-text) ]]; then
    fail "$name" "content-type '$type' is not text/plain or application/openmetrics-text"
  elif ! grep -q '^# TYPE ' "$BODY"; then
    fail "$name" "no '# TYPE' line in $url"
  elif command -v promtool >/dev/null 2>&1; then
    local out code=0 findings
    out="$(promtool check metrics <"$BODY" 2>&1)" || code=$?
    findings="$(grep -v '^[[:space:]]*$' <<<"$out" || true)"
    if [[ "$allowed" == kong ]]; then
      findings="$(grep -vxF "$(printf '%s\n' "${KONG_NAMING_FINDINGS[@]}")" <<<"$findings" || true)"
    fi
    # 3: lint findings only (the exposition parsed); anything else is a broken exposition.
    if [[ ("$code" == 0 || "$code" == 3) && -z "$findings" ]]; then
      pass "$name" "$url valid (promtool check metrics)"
    else
      fail "$name" "promtool check metrics (exit $code): $(head -c 200 <<<"${findings:-$out}" | tr '\n' ' ')"
    fi
  else
    pass "$name" "$url has # TYPE lines, $type (promtool not on PATH)"
  fi
}

# Sum of every ai_requests_total series (any tool, any status) on automation-service's
# /metrics; empty when it cannot be read.
requests_total() {
  http GET "$OPSCONDUCTOR_AUTOMATION_METRICS_URL/metrics"
  [[ "$STATUS" == 200 ]] || return 0
  awk '/^ai_requests_total[{ ]/ { sum += $NF } END { printf "%.0f\n", sum }' "$BODY"
}

check_ping() {
  local trace="$1" url="$ping_url/ai/execute"
  http POST "$url" auth '{"input":"ping","tool":"echo"}' "X-Trace-Id: $trace"
  if [[ "$STATUS" != 200 ]]; then
    fail ping-pong "POST $url: $(failure)"
    return
  fi
  local output body_trace header_trace
  output="$(jq -r '.output // empty' "$BODY" 2>/dev/null || true)"
  body_trace="$(jq -r '.trace_id // empty' "$BODY" 2>/dev/null || true)"
  header_trace="$(header x-trace-id)"
  if [[ "$output" != pong ]]; then
    fail ping-pong "output '$output', expected 'pong'"
  elif [[ "$header_trace" != "$trace" || "$body_trace" != "$trace" ]]; then
    fail ping-pong "sent X-Trace-Id $trace, got header '$header_trace', body '$body_trace'"
  else
    pass ping-pong "pong, X-Trace-Id $trace returned in header and body"
  fi
}

# The counter may be updated as the response is finished, a moment after the client has it:
# read again for up to 5 s.
check_counter() {
  local before="$1" after="" deadline=$((SECONDS + 5))
  if [[ -z "$before" ]]; then
    fail ai_requests_total "could not read $OPSCONDUCTOR_AUTOMATION_METRICS_URL/metrics before the ping"
    return
  fi
  while :; do
    after="$(requests_total)"
    [[ -n "$after" && "$after" -gt "$before" ]] && break
    ((SECONDS < deadline)) || break
    sleep 0.2
  done
  if [[ -n "$after" && "$after" -gt "$before" ]]; then
    pass ai_requests_total "sum went $before -> $after"
  else
    fail ai_requests_total "sum did not increase after the ping (before $before, after ${after:-unreadable})"
  fi
}

check_prometheus() {
  if [[ -z "${OPSCONDUCTOR_PROMETHEUS_URL:-}" ]]; then
    skip prometheus "no Prometheus URL configured for $environment (OPSCONDUCTOR_PROMETHEUS_URL)"
    return
  fi
  local url="$OPSCONDUCTOR_PROMETHEUS_URL/api/v1/query?query=up" summary="" deadline=$((SECONDS + PROMETHEUS_WAIT))
  # A Prometheus that has just started answers before its first scrape: no series yet is
  # waited out (up to OPSCONDUCTOR_PROMETHEUS_WAIT_SECONDS); an error answer is not.
  while :; do
    http GET "$url"
    if [[ "$STATUS" != 200 ]]; then
      fail prometheus "GET $url: $(failure)"
      return
    fi
    summary="$(jq -r 'select(.status == "success") | .data.result
      | "\(length) \([.[] | select(.value[1] == "1")] | length)"' "$BODY" 2>/dev/null || true)"
    [[ -z "$summary" || "${summary%% *}" == 0 ]] || break
    ((SECONDS < deadline)) || break
    sleep 1
  done
  if [[ -z "$summary" || "${summary%% *}" == 0 ]]; then
    fail prometheus "query 'up' answered no series within ${PROMETHEUS_WAIT} s: $(head -c 160 "$BODY")"
  else
    pass prometheus "query 'up': ${summary#* } of ${summary%% *} targets up"
  fi
}

check_job() {
  local url="$ping_url/ai/jobs"
  http POST "$url" auth '{"action":"echo","params":{"input":"ping"}}'
  if [[ "$STATUS" != 202 && "$STATUS" != 200 ]]; then
    fail async-job "POST $url: $(failure)"
    return
  fi
  local id status="" started=$SECONDS deadline=$((SECONDS + JOB_TIMEOUT))
  id="$(jq -r '.job_id // empty' "$BODY" 2>/dev/null || true)"
  if [[ ! "$id" =~ ^[0-9a-f-]{36}$ ]]; then
    fail async-job "POST $url answered no job_id"
    return
  fi
  while :; do
    http GET "$url/$id" auth
    if [[ "$STATUS" == 200 ]]; then status="$(jq -r '.status // empty' "$BODY" 2>/dev/null || true)"; fi
    case "$status" in
      completed)
        pass async-job "job $id completed in $((SECONDS - started)) s"
        return
        ;;
      dead | cancelled)
        fail async-job "job $id ended $status: $(jq -c '.error' "$BODY" 2>/dev/null | head -c 160)"
        return
        ;;
    esac
    if ((SECONDS >= deadline)); then
      fail async-job "job $id not completed within ${JOB_TIMEOUT} s (last: ${status:-$(failure)})"
      return
    fi
    sleep 0.5
  done
}

# --- run -----------------------------------------------------------------------------------

echo "release smoke test: $environment, $target (API key from $RELEASE_KEY_SOURCE)"
check_health health:gateway "$OPSCONDUCTOR_GATEWAY_STATUS_URL/status"
check_health health:automation-service "$OPSCONDUCTOR_AUTOMATION_URL/health"
check_health ready:automation-service "$OPSCONDUCTOR_AUTOMATION_URL/ready"
check_health health:ai-pipeline "$OPSCONDUCTOR_PIPELINE_URL/health"
check_health health:queue-worker "$OPSCONDUCTOR_WORKER_URL/health"
check_metrics metrics:gateway "$OPSCONDUCTOR_GATEWAY_STATUS_URL" kong
check_metrics metrics:automation-service "$OPSCONDUCTOR_AUTOMATION_METRICS_URL"
check_metrics metrics:ai-pipeline "$OPSCONDUCTOR_PIPELINE_METRICS_URL"
check_metrics metrics:queue-worker "$OPSCONDUCTOR_WORKER_URL"
requests_before="$(requests_total)"
check_ping "smoke-$(date +%s)-$RANDOM$RANDOM"
check_counter "$requests_before"
check_prometheus
check_job

print_summary SMOKE "$environment"
