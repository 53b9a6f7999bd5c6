# shellcheck shell=bash
# What the release scripts share (scripts/release_*.sh, scripts/canary*.sh): the environment
# files, the API key, HTTP through curl, and the PASS/FAIL/SKIP summary table. Sourced, never
# run; the caller sets RELEASE_SCRIPT (its name, for messages) and has `set -euo pipefail`.
# docs/RELEASE_RUNBOOK.md documents what each script checks.

RELEASE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RELEASE_ENV_DIR="$RELEASE_ROOT/scripts/env"

# Every key an env file may set. One list for every script, so one file serves them all; a
# key outside it is a typo and stops the script (exit 2) rather than being ignored.
RELEASE_ENV_KEYS=(
  OPSCONDUCTOR_GATEWAY_URL OPSCONDUCTOR_GATEWAY_STATUS_URL OPSCONDUCTOR_GATEWAY_ADMIN_URL
  OPSCONDUCTOR_AUTOMATION_URL OPSCONDUCTOR_AUTOMATION_METRICS_URL
  OPSCONDUCTOR_PIPELINE_URL OPSCONDUCTOR_PIPELINE_METRICS_URL OPSCONDUCTOR_WORKER_URL
  OPSCONDUCTOR_CANARY_AUTOMATION_URL OPSCONDUCTOR_CANARY_AUTOMATION_METRICS_URL
  OPSCONDUCTOR_CANARY_PIPELINE_URL OPSCONDUCTOR_CANARY_PIPELINE_METRICS_URL
  OPSCONDUCTOR_PROMETHEUS_URL OPSCONDUCTOR_FRONTEND_URL
  API_KEY_VAR DEV_KEY_FILE
)

die_usage() {
  echo "$RELEASE_SCRIPT: $*" >&2
  echo "Try: scripts/$RELEASE_SCRIPT --help" >&2
  exit 2
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die_usage "$tool is required (Debian: apt-get install $tool)"
  done
}

# take_environment ARG: the script's one positional environment argument (sets `environment`).
take_environment() {
  [[ -z "${environment:-}" ]] || die_usage "one environment only (got '$environment' and '$1')"
  environment="$1"
}

# set_option --some-option VALUE ARGS_LEFT: sets the variable some_option to VALUE; exit 2 when
# nothing followed the option (ARGS_LEFT is the caller's $#, the option included).
set_option() {
  (($3 > 1)) || die_usage "$1 needs a value"
  local name="${1#--}"
  printf -v "${name//-/_}" '%s' "$2"
}

# check_environment NAME: local, staging or production, else exit 2.
check_environment() {
  case "$1" in
    local | staging | production) ;;
    *) die_usage "unknown environment '$1' (local, staging or production)" ;;
  esac
}

# load_env_file ENVIRONMENT: KEY=VALUE lines of scripts/env/<environment>.env, read (never
# sourced: an env file cannot run code). A variable already set in the environment wins.
load_env_file() {
  RELEASE_ENV_FILE="$RELEASE_ENV_DIR/$1.env"
  [[ -r "$RELEASE_ENV_FILE" ]] || die_usage "missing environment file $RELEASE_ENV_FILE"
  local line key value
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || die_usage "$RELEASE_ENV_FILE: not a KEY=VALUE line: $line"
    key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
    [[ " ${RELEASE_ENV_KEYS[*]} " == *" $key "* ]] || die_usage "$RELEASE_ENV_FILE: unknown key $key"
    [[ -n "${!key+set}" ]] || printf -v "$key" '%s' "$value"
  done <"$RELEASE_ENV_FILE"
}

# require_keys KEY...: each must be non-empty (from the env file or the environment).
require_keys() {
  local key
  for key in "$@"; do
    [[ -n "${!key:-}" ]] || die_usage "$key is not set ($RELEASE_ENV_FILE or the environment)"
  done
}

# load_api_key ENVIRONMENT: the key from the variable API_KEY_VAR names; for local only, when
# that is unset, from DEV_KEY_FILE (the development key scripts/start writes). Sets
# RELEASE_API_KEY (never exported, never printed) and RELEASE_KEY_SOURCE (printable).
load_api_key() {
  require_keys API_KEY_VAR
  [[ "$API_KEY_VAR" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die_usage "API_KEY_VAR is not a variable name: $API_KEY_VAR"
  RELEASE_API_KEY="${!API_KEY_VAR:-}"
  # shellcheck disable=SC2034 # printed by the callers
  RELEASE_KEY_SOURCE="\$$API_KEY_VAR"
  # The dev key file is a local convenience only: shared environments take keys from the
  # environment, so a stray file can never stand in for a missing secret there.
  if [[ -z "$RELEASE_API_KEY" && "$1" == local && -n "${DEV_KEY_FILE:-}" ]]; then
    local file="$DEV_KEY_FILE"
    [[ "$file" == /* ]] || file="$RELEASE_ROOT/$file"
    if [[ -r "$file" ]]; then
      RELEASE_API_KEY="$(tr -d '[:space:]' <"$file")"
      # shellcheck disable=SC2034 # printed by the callers
      RELEASE_KEY_SOURCE="$file"
    fi
  fi
  [[ -n "$RELEASE_API_KEY" ]] || die_usage "no API key: set \$$API_KEY_VAR"
}

# is_number VALUE: a plain decimal (thresholds, minutes).
is_number() { [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; }

# positive_int NAME VALUE: exit 2 unless VALUE is a positive integer.
positive_int() {
  [[ "$2" =~ ^[1-9][0-9]*$ ]] || die_usage "$1 must be a positive integer (got '$2')"
}

# A private scratch folder, removed on exit.
RELEASE_TMP="$(mktemp -d)"
trap 'rm -rf "$RELEASE_TMP"' EXIT
HTTP_TIMEOUT="${OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS:-10}"

# --- HTTP ----------------------------------------------------------------------------------

# The Authorization header as a curl header file, through a pipe: the key never appears in
# curl's argv (visible in ps) nor on disk.
auth_header() {
  printf 'Authorization: Bearer %s\n' "$RELEASE_API_KEY"
}

# http [-o FILE] METHOD URL [auth] [body] [header...]: sets STATUS (000 when no answer), BODY
# (the answer's file: FILE, else a scratch file), HEADERS (file) and CURL_ERROR. `auth` sends
# the API key; a body is sent as JSON unless a Content-Type header is given.
http() {
  BODY="$RELEASE_TMP/body"
  if [[ "$1" == -o ]]; then
    BODY="$2"
    shift 2
  fi
  local method="$1" url="$2" auth="${3:-}" data="${4:-}"
  shift 4 || shift $#
  HEADERS="$RELEASE_TMP/headers"
  : >"$BODY"
  : >"$HEADERS"
  local args=(-sS -X "$method" -o "$BODY" -D "$HEADERS" -w '%{http_code}' --max-time "$HTTP_TIMEOUT") extra typed=""
  for extra in "$@"; do
    args+=(-H "$extra")
    [[ "${extra,,}" == content-type:* ]] && typed=1
  done
  if [[ -n "$data" ]]; then
    [[ -n "$typed" ]] || args+=(-H 'Content-Type: application/json')
    args+=(--data-binary "$data")
  fi
  if [[ "$auth" == auth ]]; then
    STATUS="$(curl "${args[@]}" -H @<(auth_header) "$url" 2>"$RELEASE_TMP/curl.err")" || true
  else
    STATUS="$(curl "${args[@]}" "$url" 2>"$RELEASE_TMP/curl.err")" || true
  fi
  STATUS="${STATUS:-000}"
  CURL_ERROR="$(head -c 200 "$RELEASE_TMP/curl.err" | tr '\n' ' ')"
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

CHECK_NAMES=() CHECK_RESULTS=() CHECK_DETAILS=()
record() {
  CHECK_NAMES+=("$1") CHECK_RESULTS+=("$2") CHECK_DETAILS+=("$3")
  printf '%-4s %s: %s\n' "$2" "$1" "$3"
}
pass() { record "$1" PASS "$2"; }
fail() { record "$1" FAIL "$2"; }
skip() { record "$1" SKIP "$2"; }

# print_summary LABEL ENVIRONMENT: the table of every check, then `LABEL PASSED (env): N checks`
# or `LABEL FAILED (env): <failed checks>`; returns 1 when a check failed.
print_summary() {
  local label="$1" environment="$2" failed=() i
  echo
  printf '%-28s %-6s %s\n' CHECK RESULT DETAIL
  printf '%-28s %-6s %s\n' ---------------------------- ------ ------
  for i in "${!CHECK_NAMES[@]}"; do
    printf '%-28s %-6s %s\n' "${CHECK_NAMES[$i]}" "${CHECK_RESULTS[$i]}" "${CHECK_DETAILS[$i]}"
    if [[ "${CHECK_RESULTS[$i]}" == FAIL ]]; then failed+=("${CHECK_NAMES[$i]}"); fi
  done
  echo
  if ((${#failed[@]} > 0)); then
    echo "$label FAILED ($environment): ${failed[*]}"
    return 1
  fi
  echo "$label PASSED ($environment): ${#CHECK_NAMES[@]} checks"
}
