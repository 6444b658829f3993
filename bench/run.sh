#!/usr/bin/env bash
# The benchmark in one command (npm run bench): installs what it measures against from Debian's
# packages and npm, builds the project, then loads every target in turn and writes
# bench/results/results.{md,json}. Arguments go to the runner (e.g. --only=direct,sidecar-cookie);
# `--soak [--minutes=10]` runs the soak instead (npm run bench:soak).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
[ -x /usr/sbin/apache2 ] || need+=(apache2)
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] || need+=(libapache2-mod-auth-openidc)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
bash scripts/apt-install.sh "benchmark dependencies" ${need[@]+"${need[@]}"}
# Debian starts the services it installs where it can; the benchmark runs its own instances only.
for svc in apache2 nginx redis-server; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    echo "Note: the system's $svc service is running and will be counted as CPU contention if busy." >&2
  fi
done

[ -d node_modules ] || npm ci --no-audit --no-fund
(cd bench && npm ci --no-audit --no-fund --silent)
npx tsc -p tsconfig.json
if [ "${1:-}" = "--soak" ]; then
  shift
  exec node dist/bench/soak.js "$@"
fi
exec node dist/bench/run.js "$@"
