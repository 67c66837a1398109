#!/usr/bin/env bash
# Side-by-side benchmark of `callflow calls --format csv` against `wc -l` (the floor: reading
# the bytes) and DuckDB (the usual hand-written alternative, when installed), on a generated
# day of calls; then callflow on the same day compressed with gzip and zstd, against the
# decompressor alone. Runs the commands of each group several times in alternation and
# prints the median wall time, user and system CPU, and peak memory of each.
#
#   bench/run.sh [CALLS] [RUNS]       defaults: 200000 calls (about 1.1 GB), 5 runs
#
# The data goes to bench/data/ (ignored by git) and is reused once made.
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
for tool in gzip zstd; do
  ext=${tool/gzip/gz}; ext=${ext/zstd/zst}
  if command -v $tool > /dev/null && [ ! -s "$log.$ext" ]; then
    echo "compressing $log with $tool ..." >&2
    if [ $tool = gzip ]; then gzip -1 -k -c "$log" > "$log.gz"; else zstd -q -3 -T0 -k -c "$log" > "$log.zst"; fi
  fi
done
bytes=$(stat -c %s "$log")
callflow=./target/release/callflow

duckdb_cmd=""
if command -v duckdb > /dev/null; then
  sed "s#INPUT#$log#" bench/duckdb.sql > "$data/query.sql"
  duckdb_cmd="duckdb < $data/query.sql > /dev/null"
elif python3 -c 'import duckdb' 2> /dev/null; then
  duckdb_cmd="python3 bench/duckdb_run.py bench/duckdb.sql $log > /dev/null"
fi

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Runs the named commands of one group in alternation; prints a row for each.
group() {
  local -n cmds=$1
  shift
  local order=("$@")
  declare -A wall user sys mem
  for ((run = 1; run <= runs; run++)); do
    for name in "${order[@]}"; do
      cat "$log" > /dev/null # keep the day in the page cache
      out=$( { /usr/bin/time -f '%e %U %S %M' bash -c "${cmds[$name]}"; } 2>&1 | tail -n 1)
      read -r w u s m <<< "$out"
      wall[$name]+="$w "
      user[$name]+="$u "
      sys[$name]+="$s "
      mem[$name]+="$m "
    done
  done
  for name in "${order[@]}"; do
    local t
    t=$(echo "${wall[$name]}" | median)
    printf '%-18s %8s %8s %8s %9s %8s\n' "$name" "$t" "$(echo "${user[$name]}" | median)" \
      "$(echo "${sys[$name]}" | median)" "$(($(echo "${mem[$name]}" | median) / 1024))" \
      "$(awk -v b="$bytes" -v t="$t" 'BEGIN {printf "%.0f", b / 1e6 / t}')"
  done
}

printf 'input: %s (%s bytes, %s calls); %s runs each, alternating; %s cores, %s, %s\n' \
  "$log" "$bytes" "$calls" "$runs" "$(nproc)" "$(uname -m)" "$(date -u +%Y-%m-%d)"
printf '%-18s %8s %8s %8s %9s %8s\n' command wall_s user_s sys_s peak_MB MB_per_s

declare -A plain=([wc -l]="wc -l $log > /dev/null" [callflow]="$callflow calls --format csv $log > /dev/null")
plain_order=("wc -l" callflow)
if [ -n "$duckdb_cmd" ]; then
  plain[duckdb]=$duckdb_cmd
  plain_order+=(duckdb)
fi
group plain "${plain_order[@]}"

declare -A packed=()
packed_order=()
if [ -s "$log.gz" ]; then
  packed[gzip -dc]="gzip -dc $log.gz > /dev/null"
  packed[callflow .gz]="$callflow calls --format csv $log.gz > /dev/null"
  packed_order+=("gzip -dc" "callflow .gz")
fi
if [ -s "$log.zst" ]; then
  packed[zstd -dc]="zstd -dc $log.zst > /dev/null"
  packed[callflow .zst]="$callflow calls --format csv $log.zst > /dev/null"
  packed_order+=("zstd -dc" "callflow .zst")
fi
if [ ${#packed_order[@]} -gt 0 ]; then
  group packed "${packed_order[@]}"
fi
