#!/usr/bin/env bash
# Benchmark: a backup set of a 3-master cluster against `redis-cli --cluster backup` followed by
# `gzip -L` and `age` per file, on the same data, and the cost of the per-key slot check.
#
# Variants (each round runs every variant once, in order; BENCH_RUNS rounds; medians):
#   redisops backup of the set, gzip L + age, --parallel 1
#   redisops backup of the set, gzip L + age, --parallel 3 --forks-per-host 3 (one host here)
#   redis-cli --cluster backup SEED DIR; then gzip -L | age per RDB file
# redisops uses --from master --method sync (the masters' forks, like redis-cli's SYNC).
# Reported: wall s, CPU s (user+sys of our side; the servers' forks are not counted), peak RSS MiB
# (the largest single process), archive bytes. Then the slot check: walk vs walk + slot check
# of the same shard RDBs (examples/slotcheck_cost.rs), median of 3.
#
# Requires: redis-server 7+, redis-cli, age, gzip, python3, GNU time. Free ports, a temporary
# directory; never touches 6379.
# Usage: bench/cluster.sh   (BENCH_KEYS, default 600000; BENCH_LEVEL; BENCH_RUNS; BENCH_REDISOPS,
#        BENCH_SLOTCHECK: already built binaries)
set -euo pipefail
cd "$(dirname "$0")/.."

keys=${BENCH_KEYS:-600000}
level=${BENCH_LEVEL:-3}
runs=${BENCH_RUNS:-3}
. scripts/scratch-redis.sh
. bench/rounds.sh
require redis-server redis-cli age gzip python3 /usr/bin/time

redisops=${BENCH_REDISOPS:-}
slotcheck=${BENCH_SLOTCHECK:-}
if [ -z "$redisops" ] || [ -z "$slotcheck" ]; then
  cargo build --release --quiet --bin redisops --example slotcheck_cost
  dir=${CARGO_TARGET_DIR:-target}/release
  redisops=${redisops:-$dir/redisops}
  slotcheck=${slotcheck:-$dir/examples/slotcheck_cost}
fi

work=$(mktemp -d /tmp/redisops-cluster-bench.XXXXXX)
ports=()
trap 'for p in "${ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
free_port() { # a free port whose port + 10000 (the bus) is free too
  python3 -c 'import socket
while True:
    a, b = socket.socket(), socket.socket()
    a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    try:
        b.bind(("127.0.0.1", p + 10000)); print(p); break
    except (OSError, OverflowError):
        pass
    finally:
        a.close(); b.close()'
}
ranges=(0-5460 5461-10922 10923-16383)
for i in 0 1 2; do
  p=$(free_port); ports+=("$p"); mkdir -p "$work/n$i"
  redis-server --port "$p" --bind 127.0.0.1 --dir "$work/n$i" --save '' --appendonly no \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
    --repl-diskless-sync-delay 0 --daemonize yes --logfile "$work/n$i/log"
done
for p in "${ports[@]}"; do until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.05; done; done
for i in 0 1 2; do
  redis-cli -p "${ports[$i]}" CLUSTER ADDSLOTSRANGE "${ranges[$i]%-*}" "${ranges[$i]#*-}" >/dev/null
  redis-cli -p "${ports[$i]}" CLUSTER SET-CONFIG-EPOCH $((i + 1)) >/dev/null
done
for i in 1 2; do redis-cli -p "${ports[$i]}" CLUSTER MEET 127.0.0.1 "${ports[0]}" >/dev/null; done
for p in "${ports[@]}"; do
  until redis-cli -p "$p" CLUSTER INFO | tr -d '\r' | grep -q '^cluster_state:ok'; do sleep 0.1; done
done

echo "bench: loading $keys keys into 3 masters by slot..." >&2
python3 bench/cluster_keys.py "$keys" "$work/load" "${ranges[@]}"
for i in 0 1 2; do redis-cli -p "${ports[$i]}" --pipe < "$work/load.$i" >/dev/null; rm "$work/load.$i"; done
rdb_bytes=0
for i in 0 1 2; do
  redis-cli -p "${ports[$i]}" --rdb "$work/probe$i.rdb" >/dev/null 2>&1
  rdb_bytes=$((rdb_bytes + $(stat -c %s "$work/probe$i.rdb")))
done
echo "bench: RDBs are $rdb_bytes bytes in all" >&2

"$redisops" keygen --output "$work/key.txt" > "$work/recipient" 2>/dev/null
recipient=$(cat "$work/recipient")
seed=127.0.0.1:${ports[0]}
ours() { echo "$redisops --target redis-cluster://$seed --quiet backup --from master --method sync --repo $work/repo --recipient $recipient --compression gzip --level $level $*"; }
theirs="mkdir -p $work/cli && redis-cli --cluster backup $seed $work/cli >/dev/null && for f in $work/cli/*.rdb; do gzip -$level -c \"\$f\" | age -r $recipient > \"\$f.gz.age\"; done"

labels=("redisops set, gzip $level + age, --parallel 1"
        "redisops set, gzip $level + age, --parallel 3 --forks-per-host 3"
        "redis-cli --cluster backup, then gzip -$level | age per file")
outs=("$work/repo/*/sets/*/s*/*.age" "$work/repo/*/sets/*/s*/*.age" "$work/cli/*.age")
cmds=("$(ours --parallel 1)" "$(ours --parallel 3 --forks-per-host 3)" "$theirs")

clear_out() { rm -rf "$work/repo" "$work/cli"; }
# shellcheck disable=SC2086 # the glob must expand
archive_bytes() { cat ${outs[$1]} | wc -c; }
samples="$work/samples"
run_rounds "$samples" "$runs" clear_out nothing archive_bytes

echo
echo "3 masters, $keys keys, RDBs $rdb_bytes bytes in all; gzip level $level; median of $runs rounds; $(nproc) cores"
echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d))"
echo
echo "| backup | wall s | CPU s | peak RSS MiB | archive bytes |"
echo "|---|---|---|---|---|"
for i in "${!labels[@]}"; do
  echo "| ${labels[$i]//|/\\|} | $(median "$i" 2) | $(median "$i" 3) | $(median "$i" 4) | $(median "$i" 5) |"
done

read -r plain checked bytes walked < <("$slotcheck" "$work"/probe*.rdb)
echo
echo "slot check: walk of the 3 shard RDBs ($bytes bytes, $walked keys) ${plain} s, walk + per-key slot check ${checked} s (+$(awk "BEGIN{printf \"%.0f\", ($checked / $plain - 1) * 100}") %)"
