#!/usr/bin/env bash
# End-to-end demo on a throwaway local Redis: starts a scratch redis-server on a free port in a
# temporary directory, loads sample data, and runs redisops against it. Never touches a Redis
# on port 6379. Everything it starts is stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

for bin in redis-server redis-cli; do
  command -v "$bin" >/dev/null || {
    echo "demo: $bin not found; install it: sudo apt-get install redis-server redis-tools" >&2
    exit 1
  }
done

cargo build --release --quiet
redisops="$PWD/target/release/redisops"
work=$(mktemp -d /tmp/redisops-demo.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "starting a scratch redis-server on 127.0.0.1:$port (data in $work)"
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save "" --daemonize yes \
  --logfile "$work/redis.log" --enable-debug-command local
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

step "loading sample data"
redis-cli -p "$port" DEBUG POPULATE 100000 demo 64 >/dev/null
redis-cli -p "$port" HSET user:1 name Ada role admin >/dev/null
redis-cli -p "$port" SET session:1 token EX 3600 >/dev/null

step "redisops status"
"$redisops" -p "$port" status

step "redisops status --json (first lines)"
"$redisops" -p "$port" status --json | head -n 12

step "done"
