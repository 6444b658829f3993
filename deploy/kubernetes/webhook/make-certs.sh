#!/bin/sh
# Makes a private CA and the webhook's serving certificate (for the in-cluster Service name), writes
# them to DIR, and prints the caBundle for the MutatingWebhookConfiguration. Then:
#   kubectl -n oauth2-sidecar-system create secret tls oauth2-sidecar-injector-tls \
#     --cert=DIR/tls.crt --key=DIR/tls.key --dry-run=client -o yaml | kubectl apply -f -
#   kubectl patch mutatingwebhookconfiguration oauth2-sidecar-injector --type=json \
#     -p '[{"op":"add","path":"/webhooks/0/clientConfig/caBundle","value":"'"$(cat DIR/ca-bundle.b64)"'"}]'
set -eu
dir=${1:?usage: make-certs.sh DIR [SERVICE] [NAMESPACE]}
service=${2:-oauth2-sidecar-injector}
namespace=${3:-oauth2-sidecar-system}
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=oauth2-sidecar-injector-ca" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=$service.$namespace.svc" -keyout "$dir/tls.key" -out "$dir/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s.%s,DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\nextendedKeyUsage=serverAuth\n' \
  "$service" "$service" "$namespace" "$service" "$namespace" "$service" "$namespace" > "$dir/ext.cnf"
openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 825 -extfile "$dir/ext.cnf" -out "$dir/tls.crt" 2>/dev/null
rm -f "$dir/tls.csr" "$dir/ext.cnf" "$dir/ca.srl"
base64 < "$dir/ca.crt" | tr -d '\n' > "$dir/ca-bundle.b64"
cat "$dir/ca-bundle.b64"
echo
