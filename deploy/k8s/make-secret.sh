#!/usr/bin/env bash
# Makes the Secret the StatefulSet mounts at /etc/kernsim: the cluster's token and the TLS key and
# trust stores (Artery tls-tcp, mutual authentication) with the --tls-config file naming them.
#
#   deploy/k8s/make-secret.sh [NAMESPACE]     prints the Secret's YAML; apply it with kubectl:
#   deploy/k8s/make-secret.sh | kubectl apply -f -
#
# One self-signed EC key (P-256) for every pod, trusted by all: enough to keep out anyone without
# the Secret. For a stronger setup give each pod its own key signed by a CA of the cluster and
# put the CA in trust.p12 (the file names and tls.conf stay the same). Needs keytool (a JDK) and
# kubectl (for the YAML only: --dry-run=client, nothing is sent).
set -euo pipefail
ns="${1:-default}"
t="$(mktemp -d)"
trap 'rm -rf "$t"' EXIT
chmod 700 "$t"
keytool="keytool"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/keytool" ]; then keytool="$JAVA_HOME/bin/keytool"; fi
pass="$(head -c 18 /dev/urandom | base64 | tr -d '\n=+/')"
head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_' >"$t/token"
"$keytool" -genkeypair -alias kernsim -keyalg EC -groupname secp256r1 -dname CN=kernsim \
  -validity 365 -storetype PKCS12 -keystore "$t/node.p12" -storepass "$pass" -keypass "$pass" >/dev/null 2>&1
"$keytool" -exportcert -alias kernsim -rfc -keystore "$t/node.p12" -storepass "$pass" \
  -file "$t/node.crt" >/dev/null 2>&1
"$keytool" -importcert -noprompt -alias kernsim -file "$t/node.crt" -storetype PKCS12 \
  -keystore "$t/trust.p12" -storepass "$pass" >/dev/null 2>&1
printf 'key-store = "node.p12"\nkey-store-password = "%s"\ntrust-store = "trust.p12"\ntrust-store-password = "%s"\n' \
  "$pass" "$pass" >"$t/tls.conf"
kubectl create secret generic kernsim-cluster --namespace "$ns" --dry-run=client -o yaml \
  --from-file=token="$t/token" --from-file=tls.conf="$t/tls.conf" \
  --from-file=node.p12="$t/node.p12" --from-file=trust.p12="$t/trust.p12"
