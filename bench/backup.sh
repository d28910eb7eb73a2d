#!/usr/bin/env bash
# Benchmark: redisops backup against the shell pipeline operators use today,
#   redis-cli --rdb - | gzip | age -r KEY > file
# on the same scratch Redis holding an RDB of at least 1 GiB (size with BENCH_KEYS).
# Reports wall time, CPU time, peak RSS and archive size for both, as a Markdown table.
# Then restores the archive into the same server both ways: `redisops restore` against the
# manual procedure (age -d | gunzip into dir, SHUTDOWN NOSAVE, rename, start, wait for the load).
#
# Requires: redis-server, redis-cli (redis-tools), age, gzip, GNU time (/usr/bin/time), python3.
# Uses a free port and a temporary directory; never touches a Redis on 6379.
# Usage: bench/backup.sh            (about 5-10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."

keys=${BENCH_KEYS:-4500000}
runs=${BENCH_RUNS:-2}
. scripts/scratch-redis.sh
require redis-server redis-cli age gzip python3 /usr/bin/time

cargo build --release --quiet
redisops="$PWD/target/release/redisops"
start_scratch_redis --repl-diskless-sync-delay 0

echo "bench: loading $keys keys (session-like JSON, tokens, counters)..." >&2
python3 - "$keys" <<'EOF' | redis-cli -p "$port" --pipe >/dev/null
import base64, os, random, sys
random.seed(7)
n = int(sys.argv[1])
out = sys.stdout.buffer
def cmd(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)
buf = []
words = [b"alpha", b"bravo", b"charlie", b"delta", b"echo", b"foxtrot", b"golf", b"hotel"]
for i in range(n):
    kind = i % 3
    if kind == 0:  # session-like JSON: compresses well
        v = (b'{"user":%d,"name":"user%d","roles":["reader","writer"],"last_seen":%d,"cart":[%s],"tags":"%s"}'
             % (i, i, 1700000000 + i, b",".join(b"%d" % random.randrange(10**6) for _ in range(12)),
                b" ".join(random.choice(words) for _ in range(10))))
    elif kind == 1:  # tokens: incompressible
        v = base64.b64encode(os.urandom(240))
    else:  # text with numbers
        v = b" ".join(random.choice(words) + b"%d" % random.randrange(1000) for _ in range(30))
    buf.append(cmd(b"SET", b"k:%d:%d" % (kind, i), v))
    if len(buf) == 10000:
        out.write(b"".join(buf)); buf = []
out.write(b"".join(buf))
EOF
rdb_bytes=$(redis-cli -p "$port" --rdb "$work/probe.rdb" >/dev/null 2>&1; stat -c %s "$work/probe.rdb")
rm -f "$work/probe.rdb"
echo "bench: RDB is $rdb_bytes bytes" >&2

"$redisops" keygen --output "$work/key.txt" > "$work/recipient" 2>/dev/null
recipient=$(cat "$work/recipient")

# measure LABEL OUTPUT_FILE_GLOB -- command...
measure() {
  local label=$1 out=$2; shift 3
  local best_wall="" line
  for r in $(seq "$runs"); do
    rm -rf "$work/repo" "$work/pipe.rdb.gz.age"
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
      cat "$work/err" >&2; exit 1; }
    read -r wall user sys rss < "$work/time"
    size=$(stat -c %s $out)
    line="$label"$'\t'"$wall"$'\t'"$(awk "BEGIN{print $user + $sys}")"$'\t'"$((rss / 1024))"$'\t'"$size"
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then
      best_wall=$wall; best_line=$line
    fi
  done
  echo "$best_line"
}

ours=$(measure "redisops backup --method sync (gzip level 3, age)" "$work/repo/*/*.rdb.gz.age" -- \
  "$redisops" -p "$port" --quiet backup --method sync --repo "$work/repo" --recipient "$recipient")
theirs=$(measure 'redis-cli --rdb - \| gzip \| age' "$work/pipe.rdb.gz.age" -- \
  bash -c "redis-cli -p $port --rdb - 2>/dev/null | gzip | age -r $recipient > $work/pipe.rdb.gz.age")

echo
echo "RDB: $rdb_bytes bytes ($keys keys); best of $runs runs; $(nproc) cores"
echo
echo "| pipeline | wall s | CPU s | peak RSS MiB | archive bytes |"
echo "|---|---|---|---|---|"
for l in "$ours" "$theirs"; do
  IFS=$'\t' read -r label wall cpu rss size <<<"$l"
  echo "| \`$label\` | $wall | $cpu | $rss | $size |"
done
IFS=$'\t' read -r _ ow _ _ os <<<"$ours"
IFS=$'\t' read -r _ tw _ _ ts <<<"$theirs"
echo
echo "wall-time ratio redisops/pipeline: $(awk "BEGIN{printf \"%.2f\", $ow / $tw}")  (target <= 0.60)"
echo "archive size ratio: $(awk "BEGIN{printf \"%.3f\", $os / $ts}")  (target <= 1.10)"

# Restore: a fresh (untimed) backup, restored into the same server (from its config file).
rm -rf "$work/repo"
"$redisops" -p "$port" --quiet backup --method sync --repo "$work/repo" --recipient "$recipient"
archive=$(ls "$work"/repo/*/*.rdb.gz.age | tail -n 1)
wait_loaded() {
  until [ "$(redis-cli -p "$port" INFO persistence 2>/dev/null | tr -d '\r' | grep '^loading:')" = "loading:0" ]; do
    sleep 0.05
  done
}
manual_restore() {
  age -d -i "$work/key.txt" "$archive" | gunzip > "$work/restore.rdb"
  redis-cli -p "$port" CONFIG SET save "" >/dev/null
  redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  while redis-cli -p "$port" PING >/dev/null 2>&1; do sleep 0.05; done
  mv "$work/restore.rdb" "$work/dump.rdb"
  redis-server "$work/redis.conf"
  wait_loaded
}
# restore-measure LABEL -- command...: best wall time of $runs, cleaning the kept old files.
restore_measure() {
  local label=$1 best=""; shift 2
  for r in $(seq "$runs"); do
    /usr/bin/time -f '%e' -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
      cat "$work/err" >&2; exit 1; }
    rm -f "$work"/dump.rdb.pre-restore-* "$work"/.redisops-restore-*
    wall=$(cat "$work/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; fi
  done
  echo "$label"$'\t'"$best"
}
export -f manual_restore wait_loaded
export port work archive
ours_restore=$(restore_measure "redisops restore (verify, stage, stop, swap, start, load, check)" -- \
  "$redisops" -p "$port" --quiet restore --latest --repo "$work/repo" -i "$work/key.txt" --yes \
  --no-safety-backup)
manual=$(restore_measure 'manual: age -d \| gunzip, SHUTDOWN NOSAVE, mv, start, wait for load' -- \
  bash -c manual_restore)
echo
echo "| restore | wall s |"
echo "|---|---|"
for l in "$ours_restore" "$manual"; do echo "| ${l//$'\t'/ | } |"; done
IFS=$'\t' read -r _ rw <<<"$ours_restore"
IFS=$'\t' read -r _ mw <<<"$manual"
echo
echo "restore wall-time ratio redisops/manual: $(awk "BEGIN{printf \"%.2f\", $rw / $mw}")  (target <= 1.15)"
