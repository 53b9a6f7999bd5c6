#!/usr/bin/env bash
# Moves traffic between the stable and canary automation-service through the gateway: renders
# gateway/kong.yml with new weights for the two targets of automation-service-upstream (found by
# their `stable` / `canary` tags), applies it (POST /config on Kong's Admin API, DB-less; the
# local stand-in serves the same endpoint) and confirms the weights the gateway now runs.
# docs/RELEASE_RUNBOOK.md: the canary steps and what each failure means.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/canary.sh [options] COMMAND [local|staging|production]

Commands:
  start [WEIGHT]   check that the canary answers /ready, then send it WEIGHT % (default 10)
  step WEIGHT      send the canary WEIGHT % of the traffic (0-100), the stable target the rest
  promote          send the canary 100 % (then deploy its version to the stable slot and
                   `step 0` to hand the traffic back to stable)
  rollback         send the canary 0 %: every request goes to stable again
  status           print the weights the gateway runs now, and each version's /health

Options:
  --config FILE    the kong.yml rendered and applied (default gateway/kong.yml, the one
                   routing truth; its other settings are sent unchanged)
  -h, --help

Configuration: OPSCONDUCTOR_GATEWAY_ADMIN_URL (Kong's Admin API; locally the stand-in's
ADMIN_PORT, 8101) from scripts/env/<environment>.env or the environment;
OPSCONDUCTOR_AUTOMATION_URL and OPSCONDUCTOR_CANARY_AUTOMATION_URL for the /ready and /health
checks. Needs node and the built gateway/local (pnpm run build) to render the config.

Exit: 0 done and confirmed, 1 the gateway refused the config, the weights it reports differ
from those sent, or the canary is not ready (start), 2 usage or configuration error.
EOF
}

RELEASE_SCRIPT=canary.sh
# shellcheck source=scripts/lib/release-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-common.sh"

UPSTREAM=automation-service-upstream
RENDER="$RELEASE_ROOT/gateway/local/dist/weights-cli.js"

config_file="$RELEASE_ROOT/gateway/kong.yml"
positional=()
while (($# > 0)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --config)
      (($# > 1)) || die_usage "--config needs a file"
      config_file="$2"
      shift
      ;;
    -*) die_usage "unknown option: $1" ;;
    *) positional+=("$1") ;;
  esac
  shift
done
((${#positional[@]} > 0)) || die_usage "a command is needed: start, step, promote, rollback or status"
command="${positional[0]}"
weight=""
case "$command" in
  start)
    # The weight is optional: `start staging` starts at 10 %.
    if [[ "${positional[1]:-}" =~ ^[0-9]+$ ]]; then
      weight="${positional[1]}" environment="${positional[2]:-local}"
    else
      weight=10 environment="${positional[1]:-local}"
      ((${#positional[@]} <= 2)) || die_usage "too many arguments: ${positional[*]}"
    fi
    ;;
  step)
    ((${#positional[@]} > 1)) || die_usage "step needs a weight (0-100)"
    weight="${positional[1]}"
    environment="${positional[2]:-local}"
    ;;
  promote | rollback | status)
    environment="${positional[1]:-local}"
    [[ "$command" == promote ]] && weight=100
    [[ "$command" == rollback ]] && weight=0
    ;;
  *) die_usage "unknown command '$command' (start, step, promote, rollback or status)" ;;
esac
((${#positional[@]} <= 3)) || die_usage "too many arguments: ${positional[*]}"
if [[ -n "$weight" ]]; then
  [[ "$weight" =~ ^(0|[1-9][0-9]?|100)$ ]] || die_usage "the canary weight must be a whole percentage, 0 to 100 (got '$weight')"
fi
check_environment "$environment"
require_tools curl jq node
[[ -r "$config_file" ]] || die_usage "cannot read the gateway config $config_file"

load_env_file "$environment"
require_keys OPSCONDUCTOR_GATEWAY_ADMIN_URL
positive_int OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS "$HTTP_TIMEOUT"
admin="${OPSCONDUCTOR_GATEWAY_ADMIN_URL%/}"

# --- the gateway ---------------------------------------------------------------------------

# read_weights: sets WEIGHTS to the weights the gateway runs, "stable canary" (a tag without a
# target reads "?"); BODY keeps the targets. Returns 1, saying why, when they cannot be read.
read_weights() {
  http GET "$admin/upstreams/$UPSTREAM/targets"
  if [[ "$STATUS" != 200 ]]; then
    echo "cannot read the targets of $UPSTREAM from $admin: $(failure)" >&2
    return 1
  fi
  WEIGHTS="$(jq -r '[(.data[] | select(.tags | index("stable")) | .weight), "?"][0] as $s
    | [(.data[] | select(.tags | index("canary")) | .weight), "?"][0] as $c | "\($s) \($c)"' "$BODY")"
}

# apply CANARY_WEIGHT: render, POST /config, confirm. Prints what it did and how long it took.
apply() {
  local canary="$1" stable=$((100 - $1)) started rendered
  started="$(date +%s%N)"
  [[ -r "$RENDER" ]] || die_usage "$RENDER is missing: run \`pnpm run build\` first"
  rendered="$RELEASE_TMP/kong.yml"
  if ! node "$RENDER" --config "$config_file" --upstream "$UPSTREAM" "stable=$stable" "canary=$canary" >"$rendered" 2>"$RELEASE_TMP/render.err"; then
    echo "FAILED: could not render $config_file: $(head -c 300 "$RELEASE_TMP/render.err")"
    return 1
  fi
  jq -Rs '{config: .}' "$rendered" >"$RELEASE_TMP/config.json"
  http POST "$admin/config" "" "@$RELEASE_TMP/config.json"
  if [[ "$STATUS" != 201 ]]; then
    echo "FAILED: the gateway refused the config (POST $admin/config): $(failure)"
    return 1
  fi
  read_weights || return 1
  if [[ "$WEIGHTS" != "$stable $canary" ]]; then
    echo "FAILED: the gateway reports stable/canary weights ${WEIGHTS/ //}, not $stable/$canary"
    return 1
  fi
  local ms=$((($(date +%s%N) - started) / 1000000))
  echo "applied: stable $stable %, canary $canary % (confirmed by GET /upstreams/$UPSTREAM/targets, ${ms} ms)"
}

# version_of URL: the version an automation-service's /health reports, or why not.
version_of() {
  http GET "$1/health"
  if [[ "$STATUS" == 200 ]]; then
    jq -r '.version // "unknown"' "$BODY" 2>/dev/null || echo unknown
  else
    echo "unreachable ($(failure))"
  fi
}

status() {
  read_weights || return 1
  echo "gateway $admin, upstream $UPSTREAM:"
  jq -r '.data[] | "  \(.target)  tags \(.tags | join(","))  weight \(.weight)"' "$BODY"
  echo "  stable ${WEIGHTS% *} % / canary ${WEIGHTS#* } %"
  if [[ -n "${OPSCONDUCTOR_AUTOMATION_URL:-}" ]]; then echo "stable version: $(version_of "$OPSCONDUCTOR_AUTOMATION_URL")"; fi
  if [[ -n "${OPSCONDUCTOR_CANARY_AUTOMATION_URL:-}" ]]; then echo "canary version: $(version_of "$OPSCONDUCTOR_CANARY_AUTOMATION_URL")"; fi
}

# --- run -----------------------------------------------------------------------------------

case "$command" in
  status) status ;;
  start)
    require_keys OPSCONDUCTOR_CANARY_AUTOMATION_URL
    http GET "$OPSCONDUCTOR_CANARY_AUTOMATION_URL/ready"
    if [[ "$STATUS" != 200 ]]; then
      echo "FAILED: the canary is not ready (GET $OPSCONDUCTOR_CANARY_AUTOMATION_URL/ready: $(failure)); weights unchanged"
      exit 1
    fi
    echo "canary ready: version $(version_of "$OPSCONDUCTOR_CANARY_AUTOMATION_URL")"
    apply "$weight"
    ;;
  rollback)
    echo "ROLLBACK: sending every request to stable"
    apply 0
    ;;
  *) apply "$weight" ;;
esac
