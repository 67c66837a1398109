#!/usr/bin/env bash
# Memory against history: peak memory and time of `calls --format csv` and `summary --by day`
# over 1, 5 and 30 generated days, streamed (the default) and holding every call to the end
# (`--settle off`). The days are generated into a pipe, never onto the disk; so the times here
# include waiting for the generator, and throughput per byte is measured by bench/run.sh.
#
#   bench/days.sh [CALLS_PER_DAY] [DAYS...]     defaults: 200000 calls a day; 1 5 30 days
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-200000}
shift || true
counts=("${@:-1 5 30}")
read -r -a counts <<< "${counts[*]}"

cargo build --release --quiet --bin callflow --example generate
callflow=./target/release/callflow
generate=./target/release/examples/generate

# Writes DAYS generated days, one after the other, on stdout.
days() {
  for ((d = 0; d < $1; d++)); do
    $generate --calls "$calls" --seed $((100 + d)) --date "$(date -u -d "2026-03-01 + $d days" +%F)"
  done
}

measure=$(mktemp)
trap 'rm -f "$measure"' EXIT
printf '%s calls a day; %s cores, %s, %s\n' "$calls" "$(nproc)" "$(uname -m)" "$(date -u +%Y-%m-%d)"
printf '%-5s %-42s %8s %9s\n' days command wall_s peak_MiB
for n in "${counts[@]}"; do
  for cmd in "calls --format csv" "summary --by day --format csv" "calls --format csv --settle off"; do
    # shellcheck disable=SC2086 # the command's words are meant to split
    days "$n" | /usr/bin/time -o "$measure" -f '%e %M' $callflow $cmd > /dev/null 2> /dev/null
    read -r w m < "$measure"
    printf '%-5s %-42s %8s %9s\n' "$n" "$cmd" "$w" "$((m / 1024))"
  done
done
