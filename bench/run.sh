#!/usr/bin/env bash
# Side-by-side benchmark of `callflow calls --format csv` against `wc -l` (the floor: reading
# the bytes) and DuckDB (the usual hand-written alternative, when installed), on a generated
# day of calls. Runs each command several times in alternation and prints the median wall
# time and the peak memory of each.
#
#   bench/run.sh [CALLS] [RUNS]       defaults: 200000 calls (about 1.1 GB), 5 runs
#
# The data goes to bench/data/ (ignored by git) and is reused while its size matches.
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-200000}
runs=${2:-5}
data=bench/data
mkdir -p "$data"
log="$data/day-$calls.ndjson"

cargo build --release --quiet --bin callflow --example generate
if [ ! -s "$log" ]; then
  echo "generating $calls calls into $log ..." >&2
  ./target/release/examples/generate --calls "$calls" --seed 7 > "$log"
fi
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null # into the page cache

duckdb_cmd=""
if command -v duckdb > /dev/null; then
  sed "s#INPUT#$log#" bench/duckdb.sql > "$data/query.sql"
  duckdb_cmd="duckdb < $data/query.sql > /dev/null"
elif python3 -c 'import duckdb' 2> /dev/null; then
  duckdb_cmd="python3 bench/duckdb_run.py bench/duckdb.sql $log > /dev/null"
fi

declare -A names=([wc]="wc -l $log > /dev/null" [callflow]="./target/release/callflow calls --format csv $log > /dev/null")
order=(wc callflow)
if [ -n "$duckdb_cmd" ]; then
  names[duckdb]=$duckdb_cmd
  order+=(duckdb)
fi

declare -A times mems
for ((run = 1; run <= runs; run++)); do
  for name in "${order[@]}"; do
    out=$( { /usr/bin/time -f '%e %M' bash -c "${names[$name]}"; } 2>&1 | tail -n 1)
    times[$name]+="${out% *} "
    mems[$name]+="${out#* } "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf 'input: %s (%s bytes, %s calls); %s runs each, alternating; machine: %s cores, %s\n' \
  "$log" "$bytes" "$calls" "$runs" "$(nproc)" "$(uname -m)"
printf '%-10s %10s %12s %12s\n' command median_s peak_rss_mb MB_per_s
for name in "${order[@]}"; do
  t=$(echo "${times[$name]}" | median)
  m=$(echo "${mems[$name]}" | median)
  printf '%-10s %10s %12s %12s\n' "$name" "$t" "$((m / 1024))" "$(awk -v b="$bytes" -v t="$t" 'BEGIN {printf "%.0f", b / 1e6 / t}')"
done
