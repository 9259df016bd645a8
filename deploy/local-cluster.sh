#!/usr/bin/env bash
# Starts and stops a local kernsim cluster: N 'kernsim node' processes on 127.0.0.1.
#
#   deploy/local-cluster.sh start N [BASE_PORT]   nodes on ports BASE_PORT .. BASE_PORT+N-1 (default 25520)
#   deploy/local-cluster.sh status                which nodes run, their ports and pids
#   deploy/local-cluster.sh stop                  stop them all (SIGTERM: they leave the cluster)
#
# The nodes talk TLS (a new self-signed key at every start, DIR/tls) and share a new token (DIR/token).
# Run on them:  ./kernsim run phold --seed 7 --join 127.0.0.1:25520 --token-file DIR/token \
#                   --tls-config DIR/tls/tls.conf --json
# Pid files, logs, token, TLS: DIR = $KERNSIM_CLUSTER_DIR (default deploy/target/local-cluster).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
dir="${KERNSIM_CLUSTER_DIR:-$here/target/local-cluster}"
launcher="$root/kernsim"

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# A self-signed EC key and certificate for the nodes (node.p12), the same certificate as the
# only one trusted (trust.p12), and the --tls-config file naming them, made with the JDK's keytool.
# One key for every node of this local cluster; a real deployment gives each node its own key,
# signed by a CA of the cluster (deploy/README.md).
make_tls() {
  local t="$1" pass
  local keytool="keytool"
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/keytool" ]; then keytool="$JAVA_HOME/bin/keytool"; fi
  command -v "$keytool" >/dev/null || { echo "local-cluster: keytool (JDK) not found" >&2; exit 2; }
  rm -rf "$t"; (umask 077 && mkdir -p "$t")
  pass="$(head -c 18 /dev/urandom | base64 | tr -d '\n=+/')"
  "$keytool" -genkeypair -alias kernsim -keyalg EC -groupname secp256r1 -dname CN=kernsim-local \
    -validity 30 -storetype PKCS12 -keystore "$t/node.p12" -storepass "$pass" -keypass "$pass" >/dev/null 2>&1
  "$keytool" -exportcert -alias kernsim -rfc -keystore "$t/node.p12" -storepass "$pass" \
    -file "$t/node.crt" >/dev/null 2>&1
  "$keytool" -importcert -noprompt -alias kernsim -file "$t/node.crt" -storetype PKCS12 \
    -keystore "$t/trust.p12" -storepass "$pass" >/dev/null 2>&1
  (umask 077 && printf 'key-store = "node.p12"\nkey-store-password = "%s"\ntrust-store = "trust.p12"\ntrust-store-password = "%s"\n' \
    "$pass" "$pass" >"$t/tls.conf")
  chmod 600 "$t"/*
}

start() {
  local n="${1:-}" base="${2:-25520}"
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || { echo "local-cluster: start N: N must be >= 1" >&2; exit 2; }
  [[ "$base" =~ ^[0-9]+$ ]] && [ "$base" -ge 1 ] && [ $((base + n - 1)) -le 65535 ] || { echo "local-cluster: bad base port $base" >&2; exit 2; }
  mkdir -p "$dir"
  for f in "$dir"/node-*.pid; do
    if alive "$f"; then echo "local-cluster: already running (pid file $f); stop it first" >&2; exit 2; fi
  done
  rm -f "$dir"/node-*.pid "$dir"/node-*.log
  "$launcher" --version >/dev/null # builds the jar once, before the nodes start
  # the cluster's token and TLS key/trust stores: new ones for every start, this user's only
  (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_' >"$dir/token" && echo >>"$dir/token")
  make_tls "$dir/tls"
  local seed="127.0.0.1:$base"
  # node 0 first (it starts the cluster), then the others join it
  launch 0 "$base" "$seed"
  await_up 0
  for ((i = 1; i < n; i++)); do launch "$i" $((base + i)) "$seed"; done
  for ((i = 1; i < n; i++)); do await_up "$i"; done
  echo "local-cluster: $n nodes up on 127.0.0.1:$base..$((base + n - 1)) (TLS); run with:"
  echo "  ./kernsim run SCENARIO --join $seed --token-file $dir/token --tls-config $dir/tls/tls.conf"
}

launch() {
  local i="$1" port="$2" seed="$3"
  nohup "$launcher" node --port "$port" --seed-node "$seed" --token-file "$dir/token" \
    --tls-config "$dir/tls/tls.conf" >"$dir/node-$i.log" 2>&1 </dev/null &
  echo $! >"$dir/node-$i.pid"
  echo "$port" >"$dir/node-$i.port"
}

await_up() {
  local i="$1" deadline=$((SECONDS + 90))
  until grep -q "is up" "$dir/node-$i.log" 2>/dev/null; do
    if ! alive "$dir/node-$i.pid"; then echo "local-cluster: node $i exited; see $dir/node-$i.log" >&2; tail -5 "$dir/node-$i.log" >&2; stop; exit 4; fi
    if [ $SECONDS -gt $deadline ]; then echo "local-cluster: node $i not up after 90 s; see $dir/node-$i.log" >&2; stop; exit 4; fi
    sleep 0.5
  done
}

status() {
  local any=0
  for f in "$dir"/node-*.pid; do
    [ -f "$f" ] || continue
    local i="${f##*/node-}"; i="${i%.pid}"
    if alive "$f"; then echo "node $i: pid $(cat "$f"), 127.0.0.1:$(cat "$dir/node-$i.port" 2>/dev/null), running"; any=1
    else echo "node $i: not running (log $dir/node-$i.log)"; fi
  done
  [ $any -eq 1 ] || echo "local-cluster: no node running"
}

stop() {
  local pids=()
  for f in "$dir"/node-*.pid; do
    [ -f "$f" ] || continue
    if alive "$f"; then pids+=("$(cat "$f")"); kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  local deadline=$((SECONDS + 30))
  for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null; do
      if [ $SECONDS -gt $deadline ]; then kill -9 "$p" 2>/dev/null || true; break; fi
      sleep 0.5
    done
  done
  rm -f "$dir"/node-*.pid "$dir"/node-*.port
  echo "local-cluster: stopped ${#pids[@]} node(s)"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
