#!/usr/bin/env bash
# Benchmark: redisops backup and restore against the shell pipelines operators use, on the
# same data in one run, every comparison at the same compression level.
#
# Backup variants (each round runs every variant once, in order; BENCH_RUNS rounds; medians):
#   redisops gzip L, --threads 1          redisops gzip L, --threads $(nproc)
#   redisops zstd L, --threads $(nproc)
#   redis-cli --rdb - | gzip -L | age     redis-cli --rdb - | pigz -L | age
#   redis-cli --rdb - | zstd -T0 -L | age
#   redis-cli --rdb - > /dev/null         (the floor: the server's fork producing the RDB)
# All use --method sync / the replication stream, so the server's fork costs the same in each.
# Reported: wall s, CPU s (user+sys of our side; the server's fork is not counted for anyone),
# peak RSS MiB (the largest single process), archive bytes.
# Restore: redisops restore of the gzip and the zstd archive against the manual procedure
# (age -d | gunzip or zstd -d into dir, SHUTDOWN NOSAVE, mv, start, wait for the load), with
# the server's downtime in each (the longest stretch in which it did not answer PING).
#
# Requires: redis-server, redis-cli (redis-tools), age, gzip, pigz, zstd, GNU time
# (/usr/bin/time), python3. Uses a free port and a temporary directory; never touches 6379.
# Usage: bench/backup.sh   (BENCH_KEYS keys, about 265 bytes of RDB each; BENCH_LEVEL; BENCH_RUNS;
#        BENCH_REDISOPS; BENCH_ONLY=backup or restore to run one half)
set -euo pipefail
cd "$(dirname "$0")/.."

keys=${BENCH_KEYS:-800000}
level=${BENCH_LEVEL:-3}
runs=${BENCH_RUNS:-3}
only=${BENCH_ONLY:-}
case "$only" in ""|backup|restore) ;; *) echo "BENCH_ONLY must be backup or restore" >&2; exit 2;; esac
cores=$(nproc)
. scripts/scratch-redis.sh
. bench/rounds.sh
require redis-server redis-cli age gzip pigz zstd python3 /usr/bin/time

# BENCH_REDISOPS: an already built binary to measure instead of building this tree.
redisops=${BENCH_REDISOPS:-}
if [ -z "$redisops" ]; then
  cargo build --release --quiet
  redisops="$PWD/target/release/redisops"
fi
start_scratch_redis --repl-diskless-sync-delay 0

echo "bench: loading $keys keys (session-like JSON, tokens, counters)..." >&2
python3 bench/sessions.py "$keys" | redis-cli -p "$port" --pipe >/dev/null
redis-cli -p "$port" --rdb "$work/probe.rdb" >/dev/null 2>&1
rdb_bytes=$(stat -c %s "$work/probe.rdb")
rm -f "$work/probe.rdb"
echo "bench: RDB is $rdb_bytes bytes" >&2

"$redisops" keygen --output "$work/key.txt" > "$work/recipient" 2>/dev/null
recipient=$(cat "$work/recipient")
cli="redis-cli -p $port --rdb -"
ours() { echo "$redisops -p $port --quiet backup --method sync --repo $work/repo --recipient $recipient $*"; }

# Variants: label, the archive it leaves (glob), the command.
labels=() outs=() cmds=()
variant() { labels+=("$1"); outs+=("$2"); cmds+=("$3"); }
variant "redisops gzip $level, 1 thread" "$work/repo/*/*.rdb.gz.age" \
  "$(ours --compression gzip --level "$level" --threads 1)"
variant "redisops gzip $level, $cores threads" "$work/repo/*/*.rdb.gz.age" \
  "$(ours --compression gzip --level "$level" --threads "$cores")"
variant "redisops zstd $level, $cores threads" "$work/repo/*/*.rdb.zst.age" \
  "$(ours --compression zstd --level "$level" --threads "$cores")"
variant "redis-cli --rdb - | gzip -$level | age" "$work/pipe.age" \
  "$cli 2>/dev/null | gzip -$level | age -r $recipient > $work/pipe.age"
variant "redis-cli --rdb - | pigz -$level | age" "$work/pipe.age" \
  "$cli 2>/dev/null | pigz -$level | age -r $recipient > $work/pipe.age"
variant "redis-cli --rdb - | zstd -T0 -$level | age" "$work/pipe.age" \
  "$cli 2>/dev/null | zstd -q -T0 -$level | age -r $recipient > $work/pipe.age"
# `--rdb /dev/null` itself fails in redis-cli 7 (it fsyncs the file); a discarded pipe is the same.
variant "floor: redis-cli --rdb - > /dev/null" "/dev/null" \
  "$cli 2>/dev/null >/dev/null"

if [ "$only" != restore ]; then
clear_backup() { rm -rf "$work/repo" "$work/pipe.age"; }
# shellcheck disable=SC2086 # the glob must expand
archive_bytes() { [ "${outs[$1]}" = /dev/null ] && echo 0 || stat -c %s ${outs[$1]}; }
samples="$work/samples"
run_rounds "$samples" "$runs" clear_backup nothing archive_bytes


echo
echo "RDB: $rdb_bytes bytes ($keys keys); level $level; median of $runs paired rounds; $cores cores"
echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d))"
echo
echo "| backup | wall s | CPU s | peak RSS MiB | archive bytes |"
echo "|---|---|---|---|---|"
for i in "${!labels[@]}"; do
  size=$(median "$i" 5)
  [ "${outs[$i]}" = /dev/null ] && size="–"
  echo "| \`${labels[$i]//|/\\|}\` | $(median "$i" 2) | $(median "$i" 3) | $(median "$i" 4) | $size |"
done
echo
echo "redisops gzip ($cores threads) / pigz pipeline: wall $(ratio "$(median 1 2)" "$(median 4 2)") (target <= 0.70), size $(ratio "$(median 1 5)" "$(median 4 5)") (target <= 1.01)"
echo "redisops gzip (1 thread) / gzip pipeline: wall $(ratio "$(median 0 2)" "$(median 3 2)"), size $(ratio "$(median 0 5)" "$(median 3 5)")"
echo "redisops zstd / floor: wall $(ratio "$(median 2 2)" "$(median 6 2)") (target <= 1.30); zstd size / gzip -$level size: $(ratio "$(median 2 5)" "$(median 3 5)") (target <= 1.00)"
echo "redisops zstd / zstd pipeline: wall $(ratio "$(median 2 2)" "$(median 5 2)"), size $(ratio "$(median 2 5)" "$(median 5 5)")"
fi

# Restore: a fresh (untimed) backup per codec, restored into the same server (from its config
# file), against the manual procedure on the same archive.
[ "$only" = backup ] && exit 0
wait_loaded() {
  until [ "$(redis-cli -p "$port" INFO persistence 2>/dev/null | tr -d '\r' | grep '^loading:')" = "loading:0" ]; do
    sleep 0.05
  done
}
manual_restore() { # ARCHIVE DECOMPRESSOR
  age -d -i "$work/key.txt" "$1" | $2 -dc > "$work/restore.rdb"
  redis-cli -p "$port" CONFIG SET save "" >/dev/null
  redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  while redis-cli -p "$port" PING >/dev/null 2>&1; do sleep 0.05; done
  mv "$work/restore.rdb" "$work/dump.rdb"
  redis-server "$work/redis.conf"
  wait_loaded
}
export -f manual_restore wait_loaded
export port work
rm -rf "$work/repo"
rsamples="$work/rsamples"
declare -A archive_of
for codec in gzip zstd; do
  "$redisops" -p "$port" --quiet backup --method sync --repo "$work/repo.$codec" \
    --recipient "$recipient" --compression "$codec" --level "$level"
  archive_of[$codec]=$(ls "$work/repo.$codec"/*/*.rdb.*.age | tail -n 1)
done
rlabels=("redisops restore, gzip $level archive" "manual: age -d | gunzip, stop, mv, start, load"
         "redisops restore, zstd $level archive" "manual: age -d | zstd -d, stop, mv, start, load")
rcmds=("$redisops -p $port --quiet restore --latest --repo $work/repo.gzip -i $work/key.txt --yes --no-safety-backup"
       "manual_restore ${archive_of[gzip]} gzip"
       "$redisops -p $port --quiet restore --latest --repo $work/repo.zstd -i $work/key.txt --yes --no-safety-backup"
       "manual_restore ${archive_of[zstd]} zstd")
clear_restore() { rm -f "$work"/dump.rdb.pre-restore-* "$work"/.redisops-restore-*; }
# Downtime: a probe PINGs the server every 10 ms during each restore and reports the longest
# stretch without +PONG (stopped, starting or loading); it takes the place of the size column.
watch_down() { python3 bench/downtime.py "$port" > "$work/down" & echo $! > "$work/down.pid"; }
stop_watch() { kill -TERM "$(cat "$work/down.pid")"; while kill -0 "$(cat "$work/down.pid")" 2>/dev/null; do sleep 0.01; done; clear_restore; }
downtime() { cat "$work/down"; }
labels=("${rlabels[@]}") cmds=("${rcmds[@]}")
run_rounds "$rsamples" "$runs" watch_down stop_watch downtime
samples=$rsamples
echo
echo "| restore | wall s | CPU s | peak RSS MiB | downtime s |"
echo "|---|---|---|---|---|"
for i in "${!rlabels[@]}"; do
  echo "| ${rlabels[$i]//|/\\|} | $(median "$i" 2) | $(median "$i" 3) | $(median "$i" 4) | $(median "$i" 5) |"
done
echo
echo "restore redisops/manual: gzip $(ratio "$(median 0 2)" "$(median 1 2)"), zstd $(ratio "$(median 2 2)" "$(median 3 2)") (target <= 1.00)"
echo "downtime redisops/manual: gzip $(ratio "$(median 0 5)" "$(median 1 5)"), zstd $(ratio "$(median 2 5)" "$(median 3 5)")"
