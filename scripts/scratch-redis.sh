# Sourced by scripts/demo.sh and bench/backup.sh: a throwaway redis-server on a free port in a
# temporary directory ($work), stopped and removed on exit. Never touches a Redis on 6379.
# Usage: start_scratch_redis [--name value…]; sets $port and $work ($work/redis.conf).

require() {
  for bin in "$@"; do
    command -v "$bin" >/dev/null || {
      echo "$(basename "$0"): $bin is required (Debian: apt-get install redis-server redis-tools age)" >&2
      exit 1
    }
  done
}

start_scratch_redis() {
  work=$(mktemp -d /tmp/redisops-scratch.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # The pidfile also stops a server the demo has hardened (SHUTDOWN then needs a login).
  trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1; [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null; rm -rf "$work"' EXIT
  # A config file (not command-line settings): `redisops restore` restarts the server from
  # its config_file. Extra arguments "--name value…" become config lines.
  {
    printf 'port %s\nbind 127.0.0.1\ndir %s\nsave ""\ndaemonize yes\n' "$port" "$work"
    printf 'logfile %s/redis.log\npidfile %s/redis.pid\n' "$work" "$work"
    line=""
    for arg in "$@"; do
      case "$arg" in
        --*) [ -n "$line" ] && printf '%s\n' "$line"; line="${arg#--}" ;;
        *) line="$line $arg" ;;
      esac
    done
    [ -n "$line" ] && printf '%s\n' "$line"
  } > "$work/redis.conf"
  redis-server "$work/redis.conf"
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start:" >&2
  cat "$work/redis.log" >&2
  exit 1
}
