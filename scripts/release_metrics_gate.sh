#!/usr/bin/env bash
# Release metrics gate: watches Prometheus for a window after a release (or at each canary step)
# and fails fast when the service misses its SLO thresholds or serves no traffic at all.
# docs/RELEASE_RUNBOOK.md says what each failed check means.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/release_metrics_gate.sh [options] [local|staging|production] [duration_minutes]

Polls Prometheus every --interval for duration_minutes (default 5; decimals allowed; 0 checks
once) and fails at the first check that misses a threshold. Each check reads, over the last
--window, the automation-service's request series (the API's SLO, docs/RUNBOOK.md):
  traffic      sum(rate(ai_requests_total))              FAIL when no data or not above --min-rps
  error-ratio  server-side errors / requests              FAIL when >= --max-error-ratio
               (INTERNAL_ERROR|BAD_GATEWAY|UNAVAILABLE|TIMEOUT, as the SLO rules count them)
  latency-p95  histogram_quantile(0.95, ai_request_duration_seconds)   FAIL when >= --max-p95
  latency-p99  histogram_quantile(0.99, ...)              FAIL when >= --max-p99
  vs-<track>   with --compare-to: the error ratio may exceed that track's by less than
               --max-error-increase
No data is a failure, never a pass.

Options:
  --interval SECONDS          time between checks (default 30)
  --window DURATION           PromQL range of each check, e.g. 30s, 5m (default 5m)
  --max-error-ratio RATIO     default 0.01 (1 %)
  --max-p95 SECONDS           default 1
  --max-p99 SECONDS           default 2
  --min-rps RATE              requests/s the window must exceed (default 0: any traffic)
  --job NAME                  Prometheus job (default automation-service)
  --track stable|canary|all   the targets judged (prometheus.yml's track label; default all)
  --compare-to TRACK          print that track beside the judged one and gate on the difference
  --max-error-increase DELTA  allowed error-ratio excess over --compare-to (default 0.005)
  -h, --help

Configuration: OPSCONDUCTOR_PROMETHEUS_URL from scripts/env/<environment>.env or the
environment; without one the gate cannot judge and exits 2. OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS
(10) bounds each query.

Exit: 0 every check passed for the whole duration, 1 a check failed, 2 usage or configuration.
EOF
}

RELEASE_SCRIPT=release_metrics_gate.sh
# shellcheck source=scripts/lib/release-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-common.sh"

# The server-side envelope codes: the SLO's matcher (monitoring/prometheus/rules/slo.yml).
SERVER_ERRORS='INTERNAL_ERROR|BAD_GATEWAY|UNAVAILABLE|TIMEOUT'

interval=30 window=5m max_error_ratio=0.01 max_p95=1 max_p99=2 min_rps=0 job=automation-service
track=all compare_to="" max_error_increase=0.005
positional=()
while (($# > 0)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --interval | --window | --max-error-ratio | --max-p95 | --max-p99 | --min-rps | --job | --track | --compare-to | --max-error-increase)
      set_option "$1" "${2:-}" $#
      shift
      ;;
    -*) die_usage "unknown option: $1" ;;
    *) positional+=("$1") ;;
  esac
  shift
done
((${#positional[@]} <= 2)) || die_usage "too many arguments: ${positional[*]}"
environment="${positional[0]:-local}"
duration_minutes="${positional[1]:-5}"
check_environment "$environment"
require_tools curl jq awk

is_number "$duration_minutes" || die_usage "duration_minutes must be a number of minutes (got '$duration_minutes')"
positive_int --interval "$interval"
[[ "$window" =~ ^[1-9][0-9]*(s|m|h)$ ]] || die_usage "--window must be a Prometheus duration such as 30s or 5m (got '$window')"
for option in max_error_ratio max_p95 max_p99 min_rps max_error_increase; do
  is_number "${!option}" || die_usage "--${option//_/-} must be a number (got '${!option}')"
done
[[ "$job" =~ ^[a-zA-Z_][a-zA-Z0-9_-]*$ ]] || die_usage "--job is not a job name: $job"
case "$track" in stable | canary | all) ;; *) die_usage "--track must be stable, canary or all (got '$track')" ;; esac
if [[ -n "$compare_to" ]]; then
  [[ "$compare_to" == stable || "$compare_to" == canary ]] || die_usage "--compare-to must be stable or canary (got '$compare_to')"
  [[ "$track" != all && "$track" != "$compare_to" ]] || die_usage "--compare-to needs --track set to the other track"
fi

load_env_file "$environment"
[[ -n "${OPSCONDUCTOR_PROMETHEUS_URL:-}" ]] ||
  die_usage "no Prometheus for $environment (OPSCONDUCTOR_PROMETHEUS_URL): the gate cannot judge without metrics"
positive_int OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS "$HTTP_TIMEOUT"

# --- PromQL --------------------------------------------------------------------------------

selector() {
  local sel="job=\"$job\""
  [[ "$1" == all ]] || sel+=",track=\"$1\""
  echo "$sel"
}
q_traffic() { echo "sum(rate(ai_requests_total{$(selector "$1")}[$window]))"; }
# `or vector(0)`: no error series yet means no errors, not no data.
q_error_ratio() {
  echo "(sum(rate(ai_request_errors_total{$(selector "$1"),error_type=~\"$SERVER_ERRORS\"}[$window])) or vector(0)) / sum(rate(ai_requests_total{$(selector "$1")}[$window]))"
}
q_quantile() { echo "histogram_quantile($2, sum by (le) (rate(ai_request_duration_seconds_bucket{$(selector "$1")}[$window])))"; }

# query EXPR: sets VALUE to the instant vector's single value ("" when no data, "NaN" when
# undefined); returns 1, VALUE empty and QUERY_ERROR saying why, when Prometheus did not answer.
query() {
  local url
  VALUE="" QUERY_ERROR=""
  url="$OPSCONDUCTOR_PROMETHEUS_URL/api/v1/query?query=$(jq -rn --arg q "$1" '$q | @uri')"
  http GET "$url"
  if [[ "$STATUS" != 200 ]]; then
    QUERY_ERROR="$(failure)"
    return 1
  fi
  if ! VALUE="$(jq -er 'select(.status == "success") | .data.result[0].value[1] // ""' "$BODY" 2>/dev/null)"; then
    VALUE=""
    QUERY_ERROR="unexpected answer: $(head -c 160 "$BODY" | tr '\n' ' ')"
    return 1
  fi
}

# query_pair JUDGED_EXPR COMPARED_EXPR: VALUE and OTHER (OTHER empty without --compare-to).
query_pair() {
  OTHER=""
  if [[ -n "$compare_to" ]]; then
    query "$2" || true
    OTHER="$VALUE"
  fi
  query "$1"
}

# Arithmetic on Prometheus' decimal strings (bash has integers only).
is_value() { [[ -n "$1" && "$1" != NaN && "$1" != +Inf && "$1" != -Inf ]]; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
fmt() { if is_value "$1"; then awk -v v="$1" 'BEGIN { printf "%.4g", v }'; else echo "${1:-no data}"; fi; }

# --- checks --------------------------------------------------------------------------------

# Each check's last result, for the summary table.
declare -A LAST_RESULT LAST_DETAIL
CHECK_ORDER=(traffic error-ratio latency-p95 latency-p99)
[[ -z "$compare_to" ]] || CHECK_ORDER+=("vs-$compare_to")

# verdict NAME PASS|FAIL DETAIL: prints the line of this interval and keeps it for the summary.
verdict() {
  printf '  %-4s %-14s %s\n' "$2" "$1" "$3"
  LAST_RESULT[$1]="$2" LAST_DETAIL[$1]="$3"
  [[ "$2" == PASS ]]
}

# beside VALUE_OF_COMPARED: " (stable 0.01)" when comparing.
beside() { [[ -z "$compare_to" ]] || echo " ($compare_to $(fmt "$1"))"; }

# One evaluation of every check; returns 1 when one failed or Prometheus did not answer.
evaluate() {
  local ok=0
  if ! query_pair "$(q_traffic "$track")" "$(q_traffic "$compare_to")"; then
    verdict traffic FAIL "Prometheus query failed: $QUERY_ERROR" || true
    return 1
  fi
  # Without traffic the other checks have nothing to judge: the gate fails here.
  if ! is_value "$VALUE"; then
    verdict traffic FAIL "no data: no ai_requests_total of {$(selector "$track")} in the last $window$(beside "$OTHER")" || true
    return 1
  elif at_least "$min_rps" "$VALUE"; then
    verdict traffic FAIL "$(fmt "$VALUE") req/s, not above $min_rps$(beside "$OTHER")" || true
    return 1
  fi
  verdict traffic PASS "$(fmt "$VALUE") req/s > $min_rps$(beside "$OTHER")"

  query_pair "$(q_error_ratio "$track")" "$(q_error_ratio "$compare_to")" || true
  local ratio="$VALUE" other_ratio="$OTHER"
  if ! is_value "$ratio"; then
    verdict error-ratio FAIL "no data ($(fmt "$ratio")${QUERY_ERROR:+: $QUERY_ERROR})" || ok=1
  elif at_least "$ratio" "$max_error_ratio"; then
    verdict error-ratio FAIL "$(fmt "$ratio") >= $max_error_ratio$(beside "$other_ratio")" || ok=1
  else
    verdict error-ratio PASS "$(fmt "$ratio") < $max_error_ratio$(beside "$other_ratio")"
  fi

  local q bound name
  for q in 0.95 0.99; do
    name="latency-p${q#0.}" bound="$max_p95"
    [[ "$q" == 0.99 ]] && bound="$max_p99"
    query_pair "$(q_quantile "$track" "$q")" "$(q_quantile "$compare_to" "$q")" || true
    if ! is_value "$VALUE"; then
      verdict "$name" FAIL "no data ($(fmt "$VALUE")${QUERY_ERROR:+: $QUERY_ERROR})" || ok=1
    elif at_least "$VALUE" "$bound"; then
      verdict "$name" FAIL "$(fmt "$VALUE") s >= $bound s$(beside "$OTHER")" || ok=1
    else
      verdict "$name" PASS "$(fmt "$VALUE") s < $bound s$(beside "$OTHER")"
    fi
  done

  if [[ -n "$compare_to" ]]; then
    name="vs-$compare_to"
    if ! is_value "$ratio"; then
      verdict "$name" FAIL "no error ratio for $track" || ok=1
    elif ! is_value "$other_ratio"; then
      # A stable track without traffic (everything on the canary at 100 %) leaves nothing to
      # compare against; the absolute thresholds above still hold.
      verdict "$name" PASS "no $compare_to traffic to compare with; absolute thresholds apply"
    else
      local excess
      excess="$(awk -v a="$ratio" -v b="$other_ratio" 'BEGIN { printf "%.6f", a - b }')"
      if at_least "$excess" "$max_error_increase"; then
        verdict "$name" FAIL "error ratio $(fmt "$ratio") exceeds $compare_to's $(fmt "$other_ratio") by $(fmt "$excess") >= $max_error_increase" || ok=1
      else
        verdict "$name" PASS "error ratio $(fmt "$ratio") vs $compare_to's $(fmt "$other_ratio") (excess < $max_error_increase)"
      fi
    fi
  fi
  return "$ok"
}

summary_and_exit() {
  local name
  for name in "${CHECK_ORDER[@]}"; do
    if [[ -n "${LAST_RESULT[$name]:-}" ]]; then
      record "$name" "${LAST_RESULT[$name]}" "${LAST_DETAIL[$name]}" >/dev/null
    else
      record "$name" SKIP "not evaluated (no traffic to judge)" >/dev/null
    fi
  done
  if print_summary "METRICS GATE" "$environment"; then exit 0; else exit 1; fi
}

# --- run -----------------------------------------------------------------------------------

duration_s="$(awk -v m="$duration_minutes" 'BEGIN { printf "%d", m * 60 }')"
checks=$((duration_s / interval + 1))
echo "release metrics gate: $environment, job $job, track $track${compare_to:+ vs $compare_to}, window $window," \
  "$checks check(s) every ${interval} s over ${duration_minutes} min"
echo "thresholds: error ratio < $max_error_ratio, p95 < $max_p95 s, p99 < $max_p99 s, traffic > $min_rps req/s"
started=$SECONDS
for ((n = 1; n <= checks; n++)); do
  echo "check $n/$checks at +$((SECONDS - started)) s ($(date -u +%H:%M:%SZ)):"
  if ! evaluate; then
    echo "failing fast at check $n"
    summary_and_exit
  fi
  if ((n < checks)); then sleep "$interval"; fi
done
summary_and_exit
