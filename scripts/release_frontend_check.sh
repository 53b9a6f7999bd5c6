#!/usr/bin/env bash
# Release frontend check: proves the served frontend (the built React app) loads and renders,
# through the same URL a browser uses. docs/RELEASE_RUNBOOK.md says what each failed check means.
set -euo pipefail

usage() {
  cat <<'EOF_USAGE'
Usage: scripts/release_frontend_check.sh [--help] [--skip-render] [local|staging|production]

Checks one environment (default: local) and prints a summary table:
  page          GET <frontend>/ answers 200 with content-type text/html
  html:root     the HTML has the app's root element <div id="root">
  html:title    the HTML has <title>OpsConductor</title>
  assets        every /assets/ file the HTML references (script src, stylesheet and
                modulepreload link href) answers 200 with the right content type
                (JS: text/javascript or application/javascript; CSS: text/css)
  render        headless Chromium renders the page and its DOM shows "Exec Sandbox"
                (--skip-render: SKIP instead; without Chromium it FAILS otherwise)

Configuration: scripts/env/<environment>.env. The page is $OPSCONDUCTOR_FRONTEND_URL when set
in the environment, else OPSCONDUCTOR_GATEWAY_URL + "/" (the gateway serves the frontend at /).
CHROMIUM names the browser binary (default: chromium, Debian's package).

Tunables (environment): OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS (10 per request),
OPSCONDUCTOR_RENDER_TIMEOUT_SECONDS (60 for Chromium).

Exit: 0 every check passed (skips allowed), 1 a check failed, 2 usage or configuration error.
EOF_USAGE
}

RELEASE_SCRIPT=release_frontend_check.sh
# shellcheck source=scripts/lib/release-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-common.sh"

environment="" skip_render=""
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --skip-render) skip_render=1 ;;
    -*) die_usage "unknown option: $arg" ;;
    *) take_environment "$arg" ;;
  esac
done
environment="${environment:-local}"
check_environment "$environment"
require_tools curl

# --- configuration -------------------------------------------------------------------------

load_env_file "$environment"
if [[ -n "${OPSCONDUCTOR_FRONTEND_URL:-}" ]]; then
  page_url="$OPSCONDUCTOR_FRONTEND_URL"
elif [[ -n "${OPSCONDUCTOR_GATEWAY_URL:-}" ]]; then
  page_url="${OPSCONDUCTOR_GATEWAY_URL%/}/"
else
  die_usage "neither OPSCONDUCTOR_FRONTEND_URL nor OPSCONDUCTOR_GATEWAY_URL is set ($RELEASE_ENV_FILE or the environment)"
fi
[[ "$page_url" =~ ^https?://[^/]+ ]] || die_usage "not an http(s) URL: $page_url"
origin="${BASH_REMATCH[0]}"

RENDER_TIMEOUT="${OPSCONDUCTOR_RENDER_TIMEOUT_SECONDS:-60}"
positive_int OPSCONDUCTOR_HTTP_TIMEOUT_SECONDS "$HTTP_TIMEOUT"
positive_int OPSCONDUCTOR_RENDER_TIMEOUT_SECONDS "$RENDER_TIMEOUT"

# --- checks --------------------------------------------------------------------------------

PAGE="$RELEASE_TMP/index.html"

# True when the page was fetched as HTML; the HTML checks need it.
check_page() {
  http -o "$PAGE" GET "$page_url"
  local type
  type="$(header content-type)"
  if [[ "$STATUS" != 200 ]]; then
    fail page "GET $page_url: $(failure)"
    return 1
  elif [[ ! "$type" =~ ^text/html ]]; then
    fail page "GET $page_url: content-type '$type', expected text/html"
    return 1
  fi
  pass page "GET $page_url 200 $type"
}

check_html() {
  if grep -Eq '<div[[:space:]]+id="root"' "$PAGE"; then
    pass html:root '<div id="root"> present'
  else
    fail html:root "no <div id=\"root\"> in $page_url (not the app's build?)"
  fi
  if grep -q '<title>OpsConductor</title>' "$PAGE"; then
    pass html:title '<title>OpsConductor</title> present'
  else
    fail html:title "no <title>OpsConductor</title> in $page_url"
  fi
}

# The /assets/ paths the page loads: <script src>, and <link href> of stylesheets and
# modulepreloads (Vite writes one tag per line, attributes in any order).
asset_paths() {
  grep -oE '<(script|link)[^>]*>' "$PAGE" |
    awk '/^<script/ || /rel="(stylesheet|modulepreload)"/' |
    grep -oE '(src|href)="(https?://[^/"]+)?/assets/[^"]+"' |
    sed -E 's/^(src|href)="(https?:\/\/[^\/"]+)?//; s/"$//' | sort -u || true
}

check_assets() {
  local paths=() path type expected bad=() ok=0
  mapfile -t paths < <(asset_paths)
  if ((${#paths[@]} == 0)); then
    fail assets "the HTML references no /assets/ script or stylesheet (build missing?)"
    return
  fi
  for path in "${paths[@]}"; do
    case "$path" in
      *.js | *.mjs) expected='^(text|application)/javascript' ;;
      *.css) expected='^text/css' ;;
      *) expected='' ;;
    esac
    http GET "$origin$path"
    type="$(header content-type)"
    if [[ "$STATUS" != 200 ]]; then
      bad+=("$path: $(failure)")
    elif [[ -n "$expected" && ! "$type" =~ $expected ]]; then
      bad+=("$path: content-type '$type'")
    else
      ok=$((ok + 1))
    fi
  done
  if ((${#bad[@]} > 0)); then
    fail assets "${#bad[@]} of ${#paths[@]} failed: ${bad[*]}"
  else
    pass assets "$ok of ${#paths[@]} loaded with the right content type"
  fi
}

# Chromium's --dump-dom prints the DOM after the virtual time budget: the React app must have
# mounted by then. A private profile in TMP, no background traffic.
check_render() {
  if [[ -n "$skip_render" ]]; then
    skip render "--skip-render given"
    return
  fi
  local browser="${CHROMIUM:-chromium}"
  if ! command -v "$browser" >/dev/null 2>&1; then
    fail render "no Chromium: '$browser' not on PATH (Debian: apt-get install chromium; CHROMIUM names another binary; --skip-render skips)"
    return
  fi
  local code=0
  timeout "$RENDER_TIMEOUT" "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$RELEASE_TMP/chromium" --virtual-time-budget=10000 --dump-dom "$page_url" \
    >"$RELEASE_TMP/dom.html" 2>"$RELEASE_TMP/chromium.err" || code=$?
  # In the body only: the head's meta description names the sandbox too, rendered or not.
  local dom
  dom="$(<"$RELEASE_TMP/dom.html")"
  if [[ "$dom" == *"<body"* && "${dom#*<body}" == *"Exec Sandbox"* ]]; then
    pass render "Chromium rendered 'Exec Sandbox'"
  elif ((code != 0)); then
    fail render "$browser exit $code: $(tail -c 200 "$RELEASE_TMP/chromium.err" | tr '\n' ' ')"
  else
    fail render "'Exec Sandbox' not in the rendered DOM ($(wc -c <"$RELEASE_TMP/dom.html") bytes; the app did not mount?)"
  fi
}

# --- run -----------------------------------------------------------------------------------

echo "release frontend check: $environment ($page_url)"
if check_page; then
  check_html
  check_assets
else
  fail html:root "page not loaded"
  fail html:title "page not loaded"
  fail assets "page not loaded"
fi
check_render

print_summary "FRONTEND CHECK" "$environment"
