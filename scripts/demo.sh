#!/usr/bin/env bash
# End-to-end demo on a throwaway local Redis: starts a scratch redis-server on a free port in a
# temporary directory, loads sample data, and runs redisops against it: status, backup,
# verify, then damages the data and restores it, and finally audits and hardens it. Never
# touches a Redis on port 6379. Everything it starts is stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/scratch-redis.sh
require redis-server redis-cli redis-check-rdb python3

cargo build --release --quiet
redisops="$PWD/target/release/redisops"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "starting a scratch redis-server on a free port"
start_scratch_redis --enable-debug-command local
echo "127.0.0.1:$port, data in $work"

step "loading sample data"
redis-cli -p "$port" DEBUG POPULATE 100000 demo 64 >/dev/null
redis-cli -p "$port" HSET user:1 name Ada role admin >/dev/null
redis-cli -p "$port" SET session:1 token EX 3600 >/dev/null

step "redisops status"
"$redisops" -p "$port" status

step "redisops status --json (first lines)"
"$redisops" -p "$port" status --json | head -n 12

step "redisops keygen (the backup host only needs the public key)"
"$redisops" keygen --output "$work/backup-key.txt" > "$work/recipient"
recipient=$(cat "$work/recipient")
echo "recipient: $recipient"

step "redisops backup (auto: BGSAVE on a local server, verified, gzip + age)"
"$redisops" -p "$port" backup --repo "$work/repo" --recipient "$recipient" --keep-last 5

step "redisops backup --method sync (replication stream, no plaintext on disk)"
"$redisops" -p "$port" backup --repo "$work/repo" --recipient "$recipient" --method sync

step "redisops list"
"$redisops" list --repo "$work/repo"

step "redisops verify --all (archive level: no key needed)"
"$redisops" verify --repo "$work/repo" --all

step "redisops verify --latest --identity KEY --deep (decrypt, CRC, key counts, redis-check-rdb)"
"$redisops" verify --repo "$work/repo" --latest --identity "$work/backup-key.txt" --deep

if command -v age >/dev/null; then
  step "manual recovery with the standard tools: age -d | gunzip | redis-check-rdb"
  archive=$(ls "$work"/repo/*/*.rdb.gz.age | tail -n 1)
  age -d -i "$work/backup-key.txt" "$archive" | gunzip > "$work/recovered.rdb"
  redis-check-rdb "$work/recovered.rdb" | tail -n 4
fi

step "damage the data (FLUSHALL), then redisops restore --latest (plan, safety backup, swap, verify)"
before=$(redis-cli -p "$port" DEBUG DIGEST)
redis-cli -p "$port" FLUSHALL >/dev/null
echo "keys after the damage: $(redis-cli -p "$port" DBSIZE)"
"$redisops" -p "$port" restore --latest --repo "$work/repo" --identity "$work/backup-key.txt" \
  --yes --no-safety-backup

step "check: the keys are back (DEBUG DIGEST equals the backed-up dataset's)"
after=$(redis-cli -p "$port" DEBUG DIGEST)
echo "keys: $(redis-cli -p "$port" DBSIZE), digest before $before, after $after"
[ "$before" = "$after" ] || { echo "restore check FAILED" >&2; exit 1; }
ls -a "$work" | grep -E 'pre-restore|redisops-restore' || true

step "redisops harden audit (findings grouped by severity; exit 3 = findings at or above high)"
"$redisops" -p "$port" harden audit || true

step "redisops harden apply (role users with generated passwords, default user closed, persisted)"
"$redisops" -p "$port" harden apply --secrets-dir "$work/secrets" --yes

step "check: no login without credentials; the admin's password file works; a second apply changes nothing"
redis-cli -p "$port" PING
"$redisops" -p "$port" --user admin --password-file "$work/secrets/admin.password" status
"$redisops" -p "$port" harden apply --secrets-dir "$work/secrets" --yes

step "done"
