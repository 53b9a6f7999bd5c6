# shellcheck shell=bash
# Sourced by scripts/start and scripts/test: makes sure Node and pnpm are there and the
# workspace is installed, so both work on a fresh clone.

PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]" 2>/dev/null || true)"

require_node() {
  if ! command -v node >/dev/null 2>&1; then
    echo "Node.js 20.19+ is required: install it from your package manager or nodejs.org" >&2
    exit 1
  fi
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "Node.js 20.19+ is required (found $(node --version))" >&2
    exit 1
  fi
}

# pnpm at the version pinned in package.json: the one on PATH if it matches, else installed
# globally with npm, else run through npx.
ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version)" = "$PNPM_VERSION" ]; then
    PNPM=(pnpm)
  elif npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1 && command -v pnpm >/dev/null 2>&1; then
    PNPM=(pnpm)
  else
    PNPM=(npx --yes "pnpm@$PNPM_VERSION")
  fi
}

install_workspace() {
  "${PNPM[@]}" install --frozen-lockfile --prefer-offline --reporter=append-only | tail -n 3
}
