#!/usr/bin/env bash
# Release smoke test: proves a deployed mesh answers end to end before (and right after) a
# release. docs/RELEASE_RUNBOOK.md says what each failed check means.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/release_smoke.sh [--help] [local|staging|production]

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

Configuration: scripts/env/<environment>.env (URLs; API_KEY_VAR names the variable holding
the API key). A variable of the same name in the environment wins over the file. The key
comes from the environment only; for local, when it is unset, from DEV_KEY_FILE (the
development key scripts/start writes). The key is never printed.

Tunables (environment): OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS (10 per request),
OPSCONDUCTOR_JOB_TIMEOUT_SECONDS (30 for the async job).

Exit: 0 every check passed (skips allowed), 1 a check failed, 2 usage or configuration error.
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_DIR="$ROOT/scripts/env"

die_usage() {
  echo "release_smoke: $*" >&2
  echo "Try: scripts/release_smoke.sh --help" >&2
  exit 2
}

environment=""
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    -*) die_usage "unknown option: $arg" ;;
    *)
      [[ -z "$environment" ]] || die_usage "one environment only (got '$environment' and '$arg')"
      environment="$arg"
      ;;
  esac
done
environment="${environment:-local}"
case "$environment" in
  local | staging | production) ;;
  *) die_usage "unknown environment '$environment' (local, staging or production)" ;;
esac
for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || die_usage "$tool is required (Debian: apt-get install $tool)"
done

# --- configuration -------------------------------------------------------------------------

# KEY=VALUE lines, read (never sourced: an env file cannot run code). Only the keys listed
# here are taken, and only when the environment does not already set them.
ENV_KEYS=(OPSCONDUCTOR_GATEWAY_URL OPSCONDUCTOR_GATEWAY_STATUS_URL OPSCONDUCTOR_AUTOMATION_URL
  OPSCONDUCTOR_AUTOMATION_METRICS_URL OPSCONDUCTOR_PIPELINE_URL OPSCONDUCTOR_PIPELINE_METRICS_URL
  OPSCONDUCTOR_WORKER_URL OPSCONDUCTOR_PROMETHEUS_URL API_KEY_VAR DEV_KEY_FILE)
env_file="$ENV_DIR/$environment.env"
[[ -r "$env_file" ]] || die_usage "missing environment file $env_file"
while IFS= read -r line || [[ -n "$line" ]]; do
  [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
  [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || die_usage "$env_file: not a KEY=VALUE line: $line"
  key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
  [[ " ${ENV_KEYS[*]} " == *" $key "* ]] || die_usage "$env_file: unknown key $key"
  [[ -n "${!key+set}" ]] || printf -v "$key" '%s' "$value"
done <"$env_file"
for key in "${ENV_KEYS[@]}"; do
  case "$key" in
    OPSCONDUCTOR_PROMETHEUS_URL | DEV_KEY_FILE) ;; # may be empty
    *) [[ -n "${!key:-}" ]] || die_usage "$key is not set ($env_file or the environment)" ;;
  esac
done
[[ "$API_KEY_VAR" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die_usage "API_KEY_VAR is not a variable name: $API_KEY_VAR"

api_key="${!API_KEY_VAR:-}"
key_source="\$$API_KEY_VAR"
# The dev key file is a local convenience only: shared environments take keys from the
# environment, so a stray file can never stand in for a missing secret there.
if [[ -z "$api_key" && "$environment" == local && -n "${DEV_KEY_FILE:-}" ]]; then
  dev_key_file="$DEV_KEY_FILE"
  [[ "$dev_key_file" == /* ]] || dev_key_file="$ROOT/$dev_key_file"
  if [[ -r "$dev_key_file" ]]; then
    api_key="$(tr -d '[:space:]' <"$dev_key_file")"
    key_source="$dev_key_file"
  fi
fi
[[ -n "$api_key" ]] || die_usage "no API key: set \$$API_KEY_VAR"
# Not exported: only auth_header reads it, in this shell's own subshell.
SMOKE_API_KEY="$api_key"
unset api_key

HTTP_TIMEOUT="${OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS:-10}"
JOB_TIMEOUT="${OPSCONDUCTOR_JOB_TIMEOUT_SECONDS:-30}"
[[ "$HTTP_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die_usage "OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS must be a positive integer"
[[ "$JOB_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die_usage "OPSCONDUCTOR_JOB_TIMEOUT_SECONDS must be a positive integer"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --- HTTP ----------------------------------------------------------------------------------

# The Authorization header as a curl header file, through a pipe: the key never appears in
# curl's argv (visible in ps) nor on disk.
auth_header() {
  printf 'Authorization: Bearer %s\n' "$SMOKE_API_KEY"
}

# http METHOD URL [auth] [json-body] [extra header...]: sets STATUS (000 when no answer),
# BODY (file), HEADERS (file) and CURL_ERROR.
http() {
  local method="$1" url="$2" auth="${3:-}" data="${4:-}"
  shift 4 || shift $#
  BODY="$TMP/body" HEADERS="$TMP/headers"
  : >"$BODY"
  : >"$HEADERS"
  local args=(-sS -X "$method" -o "$BODY" -D "$HEADERS" -w '%{http_code}' --max-time "$HTTP_TIMEOUT")
  if [[ -n "$data" ]]; then args+=(-H 'Content-Type: application/json' --data-binary "$data"); fi
  local extra
  for extra in "$@"; do args+=(-H "$extra"); done
  if [[ "$auth" == auth ]]; then
    STATUS="$(curl "${args[@]}" -H @<(auth_header) "$url" 2>"$TMP/curl.err")" || true
  else
    STATUS="$(curl "${args[@]}" "$url" 2>"$TMP/curl.err")" || true
  fi
  STATUS="${STATUS:-000}"
  CURL_ERROR="$(head -c 200 "$TMP/curl.err" | tr '\n' ' ')"
}

# The last value of a response header (case-insensitive), without its CR.
header() {
  awk -v name="$(tr '[:upper:]' '[:lower:]' <<<"$1")" -F': *' \
    'tolower($1) == name { sub(/^[^:]*: */, ""); value = $0 } END { print value }' "$HEADERS" | tr -d '\r'
}

# Why a request failed, in one line: curl's error, or the status and the start of the body.
failure() {
  if [[ "$STATUS" == 000 ]]; then
    echo "no answer: ${CURL_ERROR:-unknown error}"
  else
    echo "HTTP $STATUS: $(head -c 160 "$BODY" | tr '\n' ' ')"
  fi
}

# --- results -------------------------------------------------------------------------------

NAMES=() RESULTS=() DETAILS=()
record() {
  NAMES+=("$1") RESULTS+=("$2") DETAILS+=("$3")
  printf '%-4s %s: %s\n' "$2" "$1" "$3"
}
pass() { record "$1" PASS "$2"; }
fail() { record "$1" FAIL "$2"; }
skip() { record "$1" SKIP "$2"; }

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
  local trace="$1" url="$OPSCONDUCTOR_GATEWAY_URL/ai/execute"
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
  local url="$OPSCONDUCTOR_PROMETHEUS_URL/api/v1/query?query=up"
  http GET "$url"
  if [[ "$STATUS" != 200 ]]; then
    fail prometheus "GET $url: $(failure)"
    return
  fi
  local summary
  summary="$(jq -r 'select(.status == "success") | .data.result
    | "\(length) \([.[] | select(.value[1] == "1")] | length)"' "$BODY" 2>/dev/null || true)"
  if [[ -z "$summary" || "${summary%% *}" == 0 ]]; then
    fail prometheus "query 'up' answered no series: $(head -c 160 "$BODY")"
  else
    pass prometheus "query 'up': ${summary#* } of ${summary%% *} targets up"
  fi
}

check_job() {
  local url="$OPSCONDUCTOR_GATEWAY_URL/ai/jobs"
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

echo "release smoke test: $environment (API key from $key_source)"
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

failed=()
echo
printf '%-28s %-6s %s\n' CHECK RESULT DETAIL
printf '%-28s %-6s %s\n' ---------------------------- ------ ------
for i in "${!NAMES[@]}"; do
  printf '%-28s %-6s %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${DETAILS[$i]}"
  if [[ "${RESULTS[$i]}" == FAIL ]]; then failed+=("${NAMES[$i]}"); fi
done
echo
if ((${#failed[@]} > 0)); then
  echo "SMOKE FAILED ($environment): ${failed[*]}"
  exit 1
fi
echo "SMOKE PASSED ($environment): ${#NAMES[@]} checks"
