#!/usr/bin/env bash
# Memory against history: peak memory and time of `calls --format csv` and `summary --by day`
# over 1, 5 and 30 generated days, streamed (the default) and holding every call to the end
# (`--settle off`). The days are generated once into bench/data/days/ (ignored by git; about
# 1.1 GB a day at the default size) and piped in with `cat`, as a stream of days would come.
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

# The day files, made once: day D of the month from seed 100 + D.
dir=bench/data/days
mkdir -p "$dir"
most=$(printf '%s\n' "${counts[@]}" | sort -n | tail -1)
for ((d = 0; d < most; d++)); do
  file="$dir/$calls-$d.ndjson"
  if [ ! -s "$file" ]; then
    echo "generating $file ..." >&2
    $generate --calls "$calls" --seed $((100 + d)) --date "$(date -u -d "2026-03-01 + $d days" +%F)" > "$file"
  fi
done

# Writes the first DAYS day files, one after the other, on stdout.
days() {
  for ((d = 0; d < $1; d++)); do
    cat "$dir/$calls-$d.ndjson"
  done
}

measure=$(mktemp)
trap 'rm -f "$measure"' EXIT
printf '%s calls a day; %s cores, %s, %s\n' "$calls" "$(nproc)" "$(uname -m)" "$(date -u +%Y-%m-%d)"
printf '%-5s %-42s %8s %9s %8s\n' days command wall_s peak_MiB MB/s
for n in "${counts[@]}"; do
  for cmd in "calls --format csv" "summary --by day --format csv" "calls --format csv --settle off"; do
    # shellcheck disable=SC2086 # the command's words are meant to split
    days "$n" | /usr/bin/time -o "$measure" -f '%e %M' $callflow $cmd > /dev/null 2> /dev/null
    read -r w m < "$measure"
    bytes=$(for ((d = 0; d < n; d++)); do stat -c %s "$dir/$calls-$d.ndjson"; done | paste -sd+ | bc)
    printf '%-5s %-42s %8s %9s %8s\n' "$n" "$cmd" "$w" "$((m / 1024))" "$(echo "$bytes / $w / 1000000" | bc)"
  done
done
