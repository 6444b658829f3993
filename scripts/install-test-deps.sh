#!/usr/bin/env bash
# Installs the real parts the integration tests run against (Debian packages): redis-server, nginx,
# caddy, chromium, and for the pod tests iproute2, python3-flask, golang-go, a JDK and openssl.
# Nothing is downloaded outside the distribution's package manager.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v caddy >/dev/null 2>&1 || need+=(caddy)
[ -x /usr/bin/chromium ] || need+=(chromium)
# The pod tests: network namespaces, the example apps' toolchains, the webhook's certificates.
[ -x /usr/sbin/ip ] || [ -x /usr/bin/ip ] || need+=(iproute2)
/usr/bin/python3 -c 'import flask' >/dev/null 2>&1 || need+=(python3-flask)
[ -x /usr/bin/go ] || need+=(golang-go)
[ -x /usr/bin/javac ] || need+=(default-jdk-headless)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Debian has no kubectl package; the manifest tests fail with instructions when it is missing.
command -v kubectl >/dev/null 2>&1 || echo "kubectl not found: the Kubernetes manifest tests need it (https://pkgs.k8s.io)" >&2

bash "$(dirname "$0")/apt-install.sh" "test dependencies" ${need[@]+"${need[@]}"}
