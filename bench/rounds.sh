# Sourced by the bench scripts: paired rounds over the variants in the arrays `labels` and
# `cmds` (every variant once per round, in order), and medians over the samples.

# run_rounds SAMPLES RUNS BEFORE AFTER SIZE: BEFORE and AFTER are called with the variant's
# index around each timed run, SIZE prints its archive bytes. Each run appends one line
# "index wall cpu rss_mib bytes" to SAMPLES; a failing variant stops the bench with its stderr.
run_rounds() {
  local file=$1 rounds=$2 before=$3 after=$4 size=$5 r i wall user sys rss bytes
  : > "$file"
  for r in $(seq "$rounds"); do
    for i in "${!labels[@]}"; do
      "$before" "$i"
      echo "bench: round $r/$rounds: ${labels[$i]}" >&2
      /usr/bin/time -f '%e %U %S %M' -o "$work/time" bash -c "${cmds[$i]}" >/dev/null 2>"$work/err" || {
        cat "$work/err" >&2; exit 1; }
      "$after" "$i"
      read -r wall user sys rss < "$work/time"
      # A SIZE that fails (no archive) stops the bench; its subshell alone cannot.
      bytes=$("$size" "$i") || exit 1
      echo "$i $wall $(awk "BEGIN{printf \"%.2f\", $user + $sys}") $((rss / 1024)) $bytes" >> "$file"
    done
  done
}

# median INDEX FIELD (2 wall, 3 cpu, 4 rss, 5 bytes) over the lines of "$samples"
median() {
  awk -v i="$1" -v f="$2" '$1 == i { print $f }' "$samples" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
nothing() { :; }
