#!/usr/bin/env bash
# Benchmark: redisops backup into an S3 repository against a local repository and against the
# shell pipeline operators use for S3, on the same data in one run, same level, same machine.
#
# Variants (each round runs every variant once, in order; BENCH_RUNS rounds; medians):
#   redisops backup --method sync --repo DIR                       (local repository)
#   redisops backup --method sync --repo s3://BUCKET/bench         (defaults: 8 MiB parts, 4 in flight)
#   the same with [repository] part_size_mib = 16, concurrency = 8
#   redis-cli --rdb - | gzip -L | age -r KEY | aws s3 cp - s3://BUCKET/manual/…
#       (AWS CLI configured with the same part size and parts in flight as redisops' defaults)
#   floor: aws s3 cp of a ready archive of the same size (what the S3 server takes to receive it)
# All use gzip level BENCH_LEVEL (default 3); redisops uses its default --threads (one per core).
# Reported: wall s, CPU s (user+sys of our side: the Redis server's fork and the S3 server are
# not counted for anyone), peak RSS MiB (the largest single process: for redisops, redisops
# itself), archive bytes; ratios S3/local and redisops S3 / manual pipeline.
#
# The S3 server is moto (.ci/setup-s3), a slow Python emulator (about 20 MB/s per upload in
# earlier measurements on a loaded machine; the floor variant measures it in each run, and the
# report says whether it or compression limits the S3 variants). Wall times on moto say little
# about real S3: the meaningful comparison is redisops against the manual pipeline on the same
# moto. CPU seconds hardly depend on the server; peak RSS does: parts pile up in flight (up to
# the configured concurrency) only while the server is slower than the pipeline, so a moto that
# keeps up under-states the memory bound.
#
# Requires: redis-server, redis-cli (redis-tools), age, gzip, curl, GNU time (/usr/bin/time),
# python3 with venv (Debian: python3-venv) and access to PyPI: moto comes from .ci/setup-s3, the
# AWS CLI (awscli, pinned below) is installed into bench/.venv-awscli when missing. Uses free
# ports and a temporary directory, both removed on exit; never touches 6379. Credentials are
# dummies (moto accepts any) passed in the environment; the host's ~/.aws is not read.
# Usage: bench/s3.sh   (BENCH_KEYS keys, about 265 bytes of RDB each; BENCH_LEVEL; BENCH_RUNS;
#        BENCH_REDISOPS: a prebuilt binary)
set -euo pipefail
cd "$(dirname "$0")/.."

keys=${BENCH_KEYS:-400000}
level=${BENCH_LEVEL:-3}
runs=${BENCH_RUNS:-3}
cores=$(nproc)
awscli_version=1.46.2
bucket="redisops-bench"
# shellcheck source=scripts/scratch-redis.sh
. scripts/scratch-redis.sh
. bench/rounds.sh
require redis-server redis-cli age gzip curl python3 /usr/bin/time

redisops=${BENCH_REDISOPS:-}
if [ -z "$redisops" ]; then
  cargo build --release --quiet
  redisops="$PWD/target/release/redisops"
fi

.ci/setup-s3 >&2
moto_server="$PWD/.ci/venv-moto/bin/moto_server"
aws="$PWD/bench/.venv-awscli/bin/aws"
if ! "$aws" --version 2>&1 | grep -q "^aws-cli/$awscli_version "; then
  echo "bench: installing awscli==$awscli_version into bench/.venv-awscli" >&2
  rm -rf bench/.venv-awscli
  python3 -m venv bench/.venv-awscli
  bench/.venv-awscli/bin/pip install -q "awscli==$awscli_version"
fi
"$aws" --version >&2

start_scratch_redis --repl-diskless-sync-delay 0
# start_scratch_redis set an EXIT trap that stops the Redis and removes $work; stop moto first.
eval "set -- $(trap -p EXIT)"
redis_cleanup=$3
moto_pid=""
cleanup() {
  if [ -n "$moto_pid" ]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  eval "$redis_cleanup"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# moto on a free port; its spooled upload bodies go into $work.
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$mport"
mkdir "$work/moto-tmp"
TMPDIR="$work/moto-tmp" "$moto_server" -H 127.0.0.1 -p "$mport" > "$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 300); do
  curl -sf -o /dev/null "$endpoint/" && break
  kill -0 "$moto_pid" 2>/dev/null || { cat "$work/moto.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' "$endpoint/$bucket" || {
  echo "bench: moto did not start or refused the bucket:" >&2; cat "$work/moto.log" >&2; exit 1; }

# Dummy credentials, in the environment only (moto accepts any); nothing from the host's ~/.aws.
# The AWS CLI gets the same part size and parts in flight as redisops' defaults.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3
export AWS_ACCESS_KEY_ID=bench-dummy-key-id AWS_SECRET_ACCESS_KEY=bench-dummy-secret
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL="$endpoint"
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE="$work/aws-config"
printf '[default]\ns3 =\n  multipart_chunksize = 8MiB\n  max_concurrent_requests = 4\n' > "$AWS_CONFIG_FILE"
s3() { "$aws" --endpoint-url "$endpoint" "$@"; }

echo "bench: loading $keys keys (the generator of bench/backup.sh)..." >&2
python3 bench/sessions.py "$keys" | redis-cli -p "$port" --pipe >/dev/null
redis-cli -p "$port" --rdb "$work/probe.rdb" >/dev/null 2>&1
rdb_bytes=$(stat -c %s "$work/probe.rdb")
echo "bench: RDB is $rdb_bytes bytes" >&2

"$redisops" keygen --output "$work/key.txt" > "$work/recipient" 2>/dev/null
recipient=$(cat "$work/recipient")
# A ready archive for the upload floor, made the manual way (untimed).
gzip -"$level" < "$work/probe.rdb" | age -r "$recipient" > "$work/ready.age"
rm -f "$work/probe.rdb"

# Explicit config files, so no config of this host is read. Empty section: the defaults.
printf '[repository]\n' > "$work/default.toml"
printf '[repository]\npart_size_mib = 16\nconcurrency = 8\n' > "$work/big.toml"
ours() { # REPO CONFIG
  echo "$redisops --config $2 -p $port --quiet backup --method sync --repo $1 --recipient $recipient --compression gzip --level $level"
}

# Variants: label, where the archive is ("local:GLOB" or "s3:PREFIX"), the command.
labels=() outs=() cmds=()
variant() { labels+=("$1"); outs+=("$2"); cmds+=("$3"); }
variant "redisops → local directory" "local:$work/repo/*/*.rdb.gz.age" \
  "$(ours "$work/repo" "$work/default.toml")"
variant "redisops → S3, defaults (8 MiB parts × 4)" "s3:bench/" \
  "$(ours "s3://$bucket/bench" "$work/default.toml")"
variant "redisops → S3, part_size_mib 16, concurrency 8" "s3:bench16/" \
  "$(ours "s3://$bucket/bench16" "$work/big.toml")"
variant "redis-cli --rdb - | gzip -$level | age | aws s3 cp - (8 MiB × 4)" "s3:manual/" \
  "redis-cli -p $port --rdb - 2>/dev/null | gzip -$level | age -r $recipient | $aws --endpoint-url $endpoint s3 cp - s3://$bucket/manual/dump.rdb.gz.age"
variant "floor: aws s3 cp of a ready archive (8 MiB × 4)" "s3:floor/" \
  "$aws --endpoint-url $endpoint s3 cp $work/ready.age s3://$bucket/floor/ready.age"

archive_size() { # OUT
  # shellcheck disable=SC2086 # the glob must expand
  case "$1" in
    local:*) stat -c %s ${1#local:} ;;
    s3:*) s3 s3api list-objects-v2 --bucket "$bucket" --prefix "${1#s3:}" \
            --query "Contents[?ends_with(Key, '.age')].Size" --output text ;;
  esac
}
clear_out() { # OUT
  case "$1" in
    local:*) rm -rf "$work/repo" ;;
    s3:*) s3 s3 rm --quiet --recursive "s3://$bucket/${1#s3:}" ;;
  esac
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: load average before: $load_before" >&2
clear_variant() { clear_out "${outs[$1]}"; }
archive_bytes() { # INDEX: the one archive's size, or stop
  local size
  size=$(archive_size "${outs[$1]}")
  [[ "$size" =~ ^[0-9]+$ ]] || { echo "bench: no single archive for ${labels[$1]}: '$size'" >&2; exit 1; }
  echo "$size"
}
samples="$work/samples"
run_rounds "$samples" "$runs" clear_variant nothing archive_bytes
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The last round's archives are still there: check them (untimed).
echo "bench: verifying the last round's archives" >&2
"$redisops" --config "$work/default.toml" --quiet verify --repo "s3://$bucket/bench" --latest \
  -i "$work/key.txt" >&2
"$redisops" --config "$work/big.toml" --quiet verify --repo "s3://$bucket/bench16" --latest \
  -i "$work/key.txt" >&2
s3 s3 cp --quiet "s3://$bucket/manual/dump.rdb.gz.age" - | age -d -i "$work/key.txt" | gzip -t

rate() { awk "BEGIN{printf \"%.1f\", $1 / $2 / 1e6}"; } # BYTES SECONDS -> MB/s

echo
echo "RDB: $rdb_bytes bytes ($keys keys); gzip level $level; median of $runs paired rounds; $cores cores"
echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d);"
echo " moto $("${moto_server%/*}/python" -c 'import moto; print(moto.__version__)'), $("$aws" --version 2>&1 | cut -d' ' -f1); load average $load_before before, $load_after after)"
echo
echo "| backup | wall s | CPU s | peak RSS MiB | archive bytes |"
echo "|---|---|---|---|---|"
for i in "${!labels[@]}"; do
  echo "| \`${labels[$i]//|/\\|}\` | $(median "$i" 2) | $(median "$i" 3) | $(median "$i" 4) | $(median "$i" 5) |"
done
echo
echo "S3 (defaults) / local: wall $(ratio "$(median 1 2)" "$(median 0 2)"), CPU $(ratio "$(median 1 3)" "$(median 0 3)"), peak RSS $(ratio "$(median 1 4)" "$(median 0 4)")"
echo "redisops S3 (defaults) / manual pipeline: wall $(ratio "$(median 1 2)" "$(median 3 2)"), CPU $(ratio "$(median 1 3)" "$(median 3 3)"), peak RSS $(ratio "$(median 1 4)" "$(median 3 4)"), size $(ratio "$(median 1 5)" "$(median 3 5)")"
echo "redisops S3 (defaults) / upload floor: wall $(ratio "$(median 1 2)" "$(median 4 2)")"
echo "peak RSS of redisops on S3: $(median 1 4) MiB with the defaults (target <= 96), $(median 2 4) MiB with 16 MiB parts × 8"
up=$(rate "$(median 4 5)" "$(median 4 2)") made=$(rate "$(median 0 5)" "$(median 0 2)")
echo "moto's upload rate (floor): $up MB/s; redisops makes archive at $made MB/s (local repository):" \
  "$(awk "BEGIN{print ($up < $made) ? \"moto is the bottleneck\" : \"moto is not the bottleneck, compression is\"}")"
