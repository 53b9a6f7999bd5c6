#!/usr/bin/env bash
# The whole canary plan in one command: smoke-test the canary, then for each step weight shift
# traffic through the gateway (scripts/canary.sh), hold it under a bounded load and gate every
# interval on the canary's metrics beside stable's (scripts/release_metrics_gate.sh); too many
# failed checks roll the canary back to weight 0 and exit 1, otherwise the canary is promoted.
# docs/RELEASE_RUNBOOK.md: the plan, the flags, what each failure means.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/canary_rollout.sh [options] [local|staging|production]

  1. smoke      scripts/release_smoke.sh --target canary (skipped with --skip-smoke)
  2. per step   scripts/canary.sh step W, then --checks times: --interval seconds of load
                through the gateway (the split it saw is printed from each answer's
                X-OpsConductor-Version), then one metrics gate check of the canary track
                compared with stable
  3. decision   the --max-failures'th failed check rolls back (canary weight 0, confirmed)
                and exits 1; every step passed: scripts/canary.sh promote (canary 100 %)

Options:
  --steps LIST              canary weights in order (default 10,50,100; the last is
                            promoted to 100 anyway)
  --checks N                gate checks per step (default 30)
  --interval SECONDS        hold (and load) before each check (default 60: with 30 checks,
                            the seed plan's 30-minute watch per step)
  --max-failures N          failed checks in the whole rollout that roll back (default 3)
  --rate R                  bounded load in requests/s through the gateway during each hold
                            (default 1, under the default workspace limit of 100/min; raise
                            the release key's workspace limit before a higher rate; 0: no
                            load, production traffic only)
  --window DURATION         the gate's PromQL range (default 5m); keep it near the hold
  --max-error-ratio RATIO   gate thresholds, passed to the gate when given (its defaults:
  --max-p95 SECONDS           scripts/release_metrics_gate.sh --help)
  --max-p99 SECONDS
  --max-error-increase DELTA
  --config FILE             kong.yml rendered by scripts/canary.sh (default gateway/kong.yml)
  --skip-smoke
  -h, --help

Ctrl-C (SIGINT) or SIGTERM during the rollout rolls the canary back before exiting.
Configuration: the env file's gateway, admin, canary and Prometheus URLs and API key (the load
and the smoke test send requests). The load tool is autocannon (bench/dist/load-cli.js).

Exit: 0 promoted, 1 rolled back (or the smoke test failed: weights left at 0), 2 usage.
EOF
}

RELEASE_SCRIPT=canary_rollout.sh
# shellcheck source=scripts/lib/release-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-common.sh"

steps=10,50,100 checks=30 interval=60 max_failures=3 rate=1 window=5m
gate_thresholds=()
config="$RELEASE_ROOT/gateway/kong.yml" skip_smoke="" environment=""
while (($# > 0)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --skip-smoke) skip_smoke=1 ;;
    --steps | --checks | --interval | --max-failures | --rate | --window | --config)
      set_option "$1" "${2:-}" $#
      shift
      ;;
    # The gate owns their defaults.
    --max-error-ratio | --max-p95 | --max-p99 | --max-error-increase)
      (($# > 1)) || die_usage "$1 needs a value"
      # Checked here too: a bad value must stop the rollout before any traffic moves, not
      # fail every gate check (exit 2) and be taken for a failing canary.
      is_number "$2" || die_usage "$1 must be a number (got '$2')"
      gate_thresholds+=("$1" "$2")
      shift
      ;;
    -*) die_usage "unknown option: $1" ;;
    *) take_environment "$1" ;;
  esac
  shift
done
environment="${environment:-local}"
check_environment "$environment"
require_tools curl jq node awk
[[ "$steps" =~ ^[0-9]+(,[0-9]+)*$ ]] || die_usage "--steps must be a comma list of weights, e.g. 10,50,100 (got '$steps')"
IFS=, read -r -a step_weights <<<"$steps"
previous=0
for w in "${step_weights[@]}"; do
  ((10#$w >= 1 && 10#$w <= 100)) || die_usage "--steps: each weight is 1 to 100 (got $w)"
  ((10#$w > previous)) || die_usage "--steps must rise (got $steps)"
  previous=$((10#$w))
done
positive_int --checks "$checks"
positive_int --interval "$interval"
positive_int --max-failures "$max_failures"
[[ "$rate" =~ ^[0-9]+$ ]] || die_usage "--rate must be a whole number of requests/s (got '$rate')"
LOAD="$RELEASE_ROOT/bench/dist/load-cli.js"
if ((rate > 0)); then [[ -r "$LOAD" ]] || die_usage "$LOAD is missing: run \`pnpm run build\` first"; fi

load_env_file "$environment"
require_keys OPSCONDUCTOR_GATEWAY_URL OPSCONDUCTOR_GATEWAY_ADMIN_URL OPSCONDUCTOR_PROMETHEUS_URL
((rate == 0)) || load_api_key "$environment"

here="$(dirname "${BASH_SOURCE[0]}")"
canary() { bash "$here/canary.sh" --config "$config" "$@" "$environment"; }
gate() {
  bash "$here/release_metrics_gate.sh" --track canary --compare-to stable --window "$window" \
    "${gate_thresholds[@]}" "$environment" 0
}
log() { printf '[+%4ss] %s\n' "$((SECONDS - rollout_started))" "$*"; }
indent() { sed 's/^/    | /'; }

# hold WEIGHT: the load of one interval (or a plain wait without load); prints the split seen.
hold() {
  if ((rate == 0)); then
    sleep "$interval"
    log "held ${interval} s (no load: --rate 0)"
    return
  fi
  local out
  if ! out="$(LOAD_API_KEY="$RELEASE_API_KEY" node "$LOAD" --url "$OPSCONDUCTOR_GATEWAY_URL/ai/execute" \
    --duration "$interval" --rate "$rate" 2>"$RELEASE_TMP/load.err")"; then
    log "load failed: $(head -c 200 "$RELEASE_TMP/load.err")"
    return
  fi
  # One JSON line: {requests, statuses, versions, errors, durationS}.
  log "load: $(jq -r --argjson w "$1" '
    (.versions.canary // 0) as $c
    | "\(.requests) answers in \(.durationS) s (status \(.statuses | to_entries | map("\(.key): \(.value)") | join(", "))),"
      + " versions \(.versions | to_entries | map("\(.key) \(.value)") | join(", "))"
      + " -> canary share \(if .requests > 0 then ($c * 1000 / .requests | round / 10) else "n/a" end) % (weight \($w) %)"' <<<"$out")"
  local throttled
  throttled="$(jq -r '.statuses["429"] // 0' <<<"$out")"
  if ((throttled > 0)); then
    log "WARNING: $throttled answers were 429 (rate limited): the load exceeds the release key's" \
      "workspace limit or the gateway's; lower --rate or raise the limit (pnpm keys settings <workspace> --rate-limit N)"
  fi
}

failures=0
rollback() {
  local why="$1" t0 ms
  t0="$(date +%s%N)"
  log "ROLLBACK: $why"
  if canary rollback | indent; then
    ms=$((($(date +%s%N) - t0) / 1000000))
    log "rolled back in ${ms} ms: canary weight 0, every request goes to stable"
    fail rollback "$why; canary at 0 % after ${ms} ms"
  else
    ms=$((($(date +%s%N) - t0) / 1000000))
    log "ROLLBACK FAILED after ${ms} ms: set the weights by hand (scripts/canary.sh rollback $environment)"
    fail rollback "$why; the rollback itself FAILED"
  fi
}

# Interrupted mid-rollout: the canary must not keep its traffic unwatched.
on_signal() {
  trap - INT TERM
  rollback "interrupted by a signal"
  print_summary "CANARY ROLLOUT" "$environment" || true
  exit 130
}

rollout_started=$SECONDS
echo "canary rollout: $environment, steps $steps %, $checks check(s) of ${interval} s per step," \
  "rollback after $max_failures failed check(s), load ${rate} req/s"

if [[ -z "$skip_smoke" ]]; then
  log "smoke test of the canary (scripts/release_smoke.sh --target canary)"
  if bash "$here/release_smoke.sh" --target canary "$environment" >"$RELEASE_TMP/smoke.out" 2>&1; then
    pass smoke:canary "$(tail -n 1 "$RELEASE_TMP/smoke.out")"
  else
    indent <"$RELEASE_TMP/smoke.out"
    fail smoke:canary "$(tail -n 1 "$RELEASE_TMP/smoke.out")"
    canary rollback | indent || true
    log "the canary failed its smoke test: no traffic shifted (canary weight 0)"
    print_summary "CANARY ROLLOUT" "$environment" || true
    exit 1
  fi
else
  skip smoke:canary "--skip-smoke"
fi

trap on_signal INT TERM
for w in "${step_weights[@]}"; do
  w=$((10#$w))
  log "step: canary $w %"
  if ! canary step "$w" | indent; then
    rollback "the gateway did not take weight $w"
    break
  fi
  passed=0
  for ((n = 1; n <= checks; n++)); do
    hold "$w"
    if gate >"$RELEASE_TMP/gate.out" 2>&1; then
      passed=$((passed + 1))
      log "step $w %, check $n/$checks: PASS ($(grep -E '^  PASS error-ratio' "$RELEASE_TMP/gate.out" | sed 's/^  PASS //' || true))"
    else
      failures=$((failures + 1))
      failed_checks="$(sed -n 's/^METRICS GATE FAILED ([a-z]*): //p' "$RELEASE_TMP/gate.out")"
      grep -E '^  FAIL ' "$RELEASE_TMP/gate.out" | indent || indent <"$RELEASE_TMP/gate.out"
      log "step $w %, check $n/$checks: FAIL (${failed_checks:-gate error}); $failures of $max_failures failed checks allowed"
      if ((failures >= max_failures)); then
        fail "step:$w" "$passed of $checks checks passed; failed: ${failed_checks:-gate error}"
        rollback "$failures failed metric checks (last: ${failed_checks:-gate error} at canary $w %)"
        break 2
      fi
    fi
  done
  if ((passed == checks)); then
    pass "step:$w" "$passed of $checks checks passed"
  else
    # Failed checks below --max-failures do not stop the rollout (as Flagger's threshold), but
    # the table must not hide them.
    pass "step:$w" "$passed of $checks checks passed, $((checks - passed)) failed (rollout total $failures of $max_failures allowed)"
  fi
done
trap - INT TERM

# A rollback always records a FAIL row (rollback, or the step that caused it).
if [[ "${CHECK_RESULTS[*]}" == *FAIL* ]]; then
  print_summary "CANARY ROLLOUT" "$environment" || true
  echo "ROLLED BACK: the canary serves no traffic; see the failed checks above"
  exit 1
fi
log "every step passed: promoting"
if ! canary promote | indent; then
  fail promote "the gateway did not take weight 100"
  print_summary "CANARY ROLLOUT" "$environment" || true
  exit 1
fi
pass promote "canary at 100 %"
print_summary "CANARY ROLLOUT" "$environment"
echo "PROMOTED: the canary serves all traffic. Deploy its version to the stable slot, then" \
  "scripts/canary.sh step 0 $environment"
