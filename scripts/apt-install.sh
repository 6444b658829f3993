#!/usr/bin/env bash
# Installs the given Debian packages when any is given: as root directly, otherwise it names the
# command to run and fails. Used by the test suite's and the benchmark's dependency checks.
#   bash scripts/apt-install.sh "what needs them" package...
set -euo pipefail
what="$1"
shift
[ $# -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing $what: $*. Install them with: sudo apt-get install -y $*" >&2
  exit 1
fi
echo "Installing $what: $*" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
