#!/usr/bin/env bash
# Benchmark: redisops analyze on a local RDB, on an encrypted backup of it, and live, against
# `redis-cli --bigkeys` + `redis-cli --memkeys` on the same scratch server. The dataset has
# millions of distinct prefixes (one per key in the `p<N>:` family), so the prefix table must
# fold its long tail to stay in bounded memory.
# Reports wall time, throughput and peak RSS as a Markdown table.
#
# Requires: redis-server, redis-cli (redis-tools), age, gzip, GNU time (/usr/bin/time), python3.
# Uses a free port and a temporary directory; never touches a Redis on 6379.
# Usage: bench/analyze.sh   (BENCH_KEYS, default 2000000: an RDB of about 200 MB; a few minutes;
#        BENCH_REDISOPS: a prebuilt binary)
set -euo pipefail
cd "$(dirname "$0")/.."

keys=${BENCH_KEYS:-2000000}
. scripts/scratch-redis.sh
require redis-server redis-cli age gzip python3 /usr/bin/time

# BENCH_REDISOPS: an already built binary to measure instead of building this tree.
redisops=${BENCH_REDISOPS:-}
if [ -z "$redisops" ]; then
  cargo build --release --quiet
  redisops="$PWD/target/release/redisops"
fi
start_scratch_redis --repl-diskless-sync-delay 0
# One core for redisops, as the target says (taskset when available).
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

echo "bench: loading $keys keys..." >&2
PYTHONPATH=bench python3 - "$keys" <<'PY' | redis-cli -p "$port" --pipe >/dev/null
import os, random, sys
from resp import Pipe
random.seed(11)
n = int(sys.argv[1])
pipe = Pipe()
for i in range(n):
    kind = i % 4
    if kind == 0:    # one distinct prefix per key: the long tail
        pipe.send(b"SET", b"p%d:v" % i, os.urandom(40).hex().encode())
    elif kind == 1:  # sessions with TTLs
        pipe.send(b"SET", b"session:%d" % i, os.urandom(60).hex().encode(), b"EX", b"%d" % random.randrange(60, 90 * 86400))
    elif kind == 2:  # small hashes under 1000 tenants
        pipe.send(b"HSET", b"tenant:%d:user:%d" % (i % 1000, i), b"name", b"user%d" % i, b"age", b"%d" % (i % 90))
    else:            # counters
        pipe.send(b"SET", b"counter:%d:%d" % (i % 97, i), b"%d" % random.randrange(10**9))
for j in range(3):   # a few big keys for the top lists
    pipe.send(b"RPUSH", b"queue:big%d" % j, *[b"job%d" % k for k in range(50000)])
pipe.flush()
PY
redis-cli -p "$port" SAVE >/dev/null
rdb="$work/dump.rdb"
rdb_bytes=$(stat -c %s "$rdb")
echo "bench: RDB is $rdb_bytes bytes" >&2

# measure LABEL -- command...: wall s, CPU s, peak RSS MiB (output discarded).
measure() {
  local label=$1; shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
    cat "$work/err" >&2; exit 1; }
  read -r wall user sys rss < "$work/time"
  echo "${label//|/\\|}"$'\t'"$wall"$'\t'"$(awk "BEGIN{print $user + $sys}")"$'\t'"$((rss / 1024))"
}

"$redisops" keygen --output "$work/key.txt" > "$work/recipient" 2>/dev/null
"$redisops" -p "$port" --quiet backup --method sync --repo "$work/repo" --recipient "$(cat "$work/recipient")"
archive=$(ls "$work"/repo/*/*.rdb.gz.age)

rows=()
rows+=("$(measure 'redisops verify --file (walk only, no details)' -- "${pin[@]}" "$redisops" verify --file "$rdb")")
rows+=("$(measure 'redisops analyze --file dump.rdb --json' -- "${pin[@]}" "$redisops" analyze --file "$rdb" --json)")
rows+=("$(measure 'age -d | gunzip (decryption alone)' -- bash -c "age -d -i $work/key.txt $archive | gunzip > /dev/null")")
rows+=("$(measure 'redisops analyze --latest (encrypted backup)' -- "${pin[@]}" "$redisops" analyze --latest --repo "$work/repo" -i "$work/key.txt" --json)")
rows+=("$(measure 'redisops analyze --live (replication stream)' -- "$redisops" -p "$port" analyze --live --json)")
rows+=("$(measure 'redis-cli --bigkeys' -- redis-cli -p "$port" --bigkeys)")
rows+=("$(measure 'redis-cli --memkeys' -- redis-cli -p "$port" --memkeys)")

echo
echo "RDB: $rdb_bytes bytes ($keys keys + 3 lists of 50k); $(nproc) cores; one run each"
echo
echo "| run | wall s | CPU s | peak RSS MiB | MB/s of RDB |"
echo "|---|---|---|---|---|"
for l in "${rows[@]}"; do
  IFS=$'\t' read -r label wall cpu rss <<<"$l"
  echo "| \`$label\` | $wall | $cpu | $rss | $(awk "BEGIN{printf \"%.0f\", $rdb_bytes / 1e6 / $wall}") |"
done
