#!/usr/bin/env bash
# The whole test suite: system dependencies, a fresh build, then every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
rm -rf dist
npx tsc -p tsconfig.json
# Test files are I/O bound (loopback servers), so run more of them than there are cores.
exec node --test --test-concurrency=3 --test-timeout=180000 dist/test/
