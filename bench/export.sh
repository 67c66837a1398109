#!/usr/bin/env bash
# Export against CSV: wall time, peak memory and throughput of `export` (calls, legs and events
# as Parquet) and of `calls --format csv` over the same generated week, and the size on disk of
# each table beside its CSV (plain and gzipped). The week is generated into a temporary folder,
# removed at the end; nothing is kept.
#
#   bench/export.sh [CALLS_PER_DAY] [DAYS]     defaults: 20000 calls a day; 7 days
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-20000}
days=${2:-7}

cargo build --release --quiet --bin callflow --example generate
callflow=$PWD/target/release/callflow
generate=$PWD/target/release/examples/generate

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((d = 0; d < days; d++)); do
  date=$(date -u -d "2026-03-09 + $d days" +%F)
  $generate --calls "$calls" --seed $((200 + d)) --date "$date" --duplicates 0.01 > "$work/$date.ndjson"
done
input_bytes=$(cat "$work"/*.ndjson | wc -c)

measure="$work/time"
# Runs a command (its words split) with stdout to $1, three times; prints the best wall time
# and its peak memory.
best() {
  local out=$1 best_w='' best_m=''
  shift
  for _ in 1 2 3; do
    /usr/bin/time -o "$measure" -f '%e %M' "$@" > "$out" 2> /dev/null
    read -r w m < "$measure"
    if [[ -z $best_w ]] || (($(echo "$w < $best_w" | bc))); then best_w=$w best_m=$m; fi
  done
  echo "$best_w $best_m"
}

printf '%s days of %s calls, %s MB of logs; %s cores, %s, %s\n' "$days" "$calls" \
  $((input_bytes / 1000000)) "$(nproc)" "$(uname -m)" "$(date -u +%Y-%m-%d)"
printf '%-40s %8s %9s %9s\n' command wall_s peak_MiB MB/s
for cmd in "calls --format csv" "export --out $work/out"; do
  rm -rf "$work/out"
  # shellcheck disable=SC2086 # the command's words are meant to split
  read -r w m <<< "$(best "$work/stdout" $callflow $cmd "$work"/*.ndjson)"
  label=${cmd/$work\//}
  printf '%-40s %8s %9s %9s\n' "$label" "$w" $((m / 1024)) "$(echo "$input_bytes / $w / 1000000" | bc)"
  [[ $cmd == calls* ]] && mv "$work/stdout" "$work/calls.csv"
done
$callflow timeline --format csv "$work"/*.ndjson > "$work/events.csv"

size() { du -sb "$1" | cut -f1; }
gz() { gzip -c "$1" | wc -c; }
printf '\n%-8s %8s %12s %12s %14s\n' table rows csv_MB csv_gzip_MB parquet_MB
calls_rows=$(($(wc -l < "$work/calls.csv") - 1))
events_rows=$(($(grep -c ',false$' "$work/events.csv") ))
legs_parquet=$(size "$work/out/legs")
printf '%-8s %8s %12.1f %12.1f %14.1f\n' calls "$calls_rows" "$(echo "$(size "$work/calls.csv") / 1000000" | bc -l)" \
  "$(echo "$(gz "$work/calls.csv") / 1000000" | bc -l)" "$(echo "$(size "$work/out/calls") / 1000000" | bc -l)"
printf '%-8s %8s %12s %12s %14.1f\n' legs - - - "$(echo "$legs_parquet / 1000000" | bc -l)"
printf '%-8s %8s %12.1f %12.1f %14.1f\n' events "$events_rows" "$(echo "$(size "$work/events.csv") / 1000000" | bc -l)" \
  "$(echo "$(gz "$work/events.csv") / 1000000" | bc -l)" "$(echo "$(size "$work/out/events") / 1000000" | bc -l)"
