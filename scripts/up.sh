#!/usr/bin/env bash
# The front door: on a fresh Debian machine, install what is missing, build tend, put the example
# web roots in place and start `tend serve` on desired-state/ (embedded profile). Prints the URLs.
#   scripts/up.sh              start in the background (log: .tend/serve.log)
#   scripts/up.sh --foreground run in this terminal (Ctrl-C drains and stops)
#   scripts/up.sh --stop       stop what it started: tend serve (draining), then the nginx and php-fpm
#                              masters of .tend/ (tend leaves those serving when it exits, by design)
# TEND_HTTP_PORT, TEND_HTTPS_PORT and TEND_LISTEN move it off 8080, 8443 and 127.0.0.1:7080.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HTTP_PORT="${TEND_HTTP_PORT:-8080}"
HTTPS_PORT="${TEND_HTTPS_PORT:-8443}"
API="${TEND_LISTEN:-127.0.0.1:7080}"
ROOT="$REPO/.tend"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Processes are matched by their command line naming this checkout's tend or .tend/, so a pid file
# left by an earlier boot can never make --stop signal an unrelated process that reuses the number.
cmdline_has() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"; }
# The pid of this checkout's running `tend serve` (from its state lock, root-only), or nothing.
serve_pid() {
  local pid
  pid="$($SUDO cat "$ROOT/state/lock" 2>/dev/null | grep -o '"pid": *[0-9]*' | grep -o '[0-9]*$' || true)"
  if [ -n "$pid" ] && cmdline_has "$pid" "bin/tend serve"; then echo "$pid"; fi
}
stop_and_wait() { # PID SIGNAL WHAT
  $SUDO kill "-$2" "$1" 2>/dev/null || return 0
  for _ in $(seq 1 60); do [ -e "/proc/$1" ] || { say "stopped $3"; return 0; }; sleep 0.5; done
  echo "$3 (pid $1) is still running after 30 s" >&2
  return 1
}
if [ "${1:-}" = "--stop" ]; then
  pid="$(serve_pid)"
  if [ -n "$pid" ]; then stop_and_wait "$pid" TERM "tend serve (pid $pid)"; fi
  for pidfile in "$ROOT"/run/*.pid; do
    [ -s "$pidfile" ] || continue
    pid="$(tr -dc 0-9 <"$pidfile")"
    if [ -n "$pid" ] && cmdline_has "$pid" "$ROOT/"; then stop_and_wait "$pid" QUIT "$(basename "$pidfile" .pid) (pid $pid)"; fi
  done
  exit 0
fi

# 1. Packages: only what is missing, without the distribution's recommends.
missing=()
for pkg in nginx-light php8.2-fpm php8.2-cli supervisor openssl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "tend needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none)); install it, then run this again" >&2
  exit 1
fi

# 2. Build.
cd "$REPO"
# Install when node_modules is missing or does not satisfy package.json. (Not by mtime: a fresh
# checkout or worktree makes package-lock.json newer than a good install, and npm ci would wipe it.)
if [ ! -d node_modules ] || ! npm ls --all >/dev/null 2>&1; then say "npm ci"; npm ci --no-audit --no-fund; fi
say "npm run build"
npm run build --silent

# 3. The example web roots the desired state points at.
say "copying examples/www to /var/www/tend-example"
$SUDO mkdir -p /var/www/tend-example
$SUDO cp -R examples/www/. /var/www/tend-example/
$SUDO chmod -R a+rX /var/www/tend-example

# 3b. Site/docs serves HTTPS from files: a self-signed pair in /etc/ssl (a TLS place tend accepts,
#     root-only, never inside a document root), made once and again near its expiry.
$SUDO "$REPO/scripts/example-tls.sh" /etc/ssl/tend-example

# 4. Start (or find) the daemon.
api_get() { node "$REPO/scripts/up-urls.mjs" "$API" "$@"; }
if [ -n "$(serve_pid)" ] && api_get ready >/dev/null 2>&1; then
  say "tend serve already answers on $API"
elif api_get taken >/dev/null 2>&1; then
  echo "$API answers, but not as this checkout's tend serve (another checkout's?): stop that one, or" \
    "choose other ports with TEND_LISTEN=HOST:PORT TEND_HTTP_PORT=N TEND_HTTPS_PORT=N" >&2
  exit 1
elif [ "${1:-}" = "--foreground" ]; then
  exec $SUDO bin/tend serve -d desired-state --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" --listen "$API"
else
  say "starting tend serve (log: $ROOT/serve.log)"
  $SUDO mkdir -p "$ROOT"
  $SUDO sh -c "nohup '$REPO/bin/tend' serve -d '$REPO/desired-state' --http-port '$HTTP_PORT' --https-port '$HTTPS_PORT' --listen '$API' >>'$ROOT/serve.log' 2>&1 &"
  for _ in $(seq 1 120); do api_get ready >/dev/null 2>&1 && break; sleep 1; done
  api_get ready >/dev/null || { echo "tend serve did not become ready; see $ROOT/serve.log" >&2; tail -20 "$ROOT/serve.log" >&2; exit 1; }
fi

# 5. Where everything is.
api_get urls "$HTTP_PORT"
echo
echo "status:  node bin/tend status [--watch]      stop: ./scripts/up.sh --stop"
