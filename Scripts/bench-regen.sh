#!/usr/bin/env bash
# Benchmark of `sharemark regen` against the archives' original shell loop, and of
# `sharemark verify`, on a 10,000-page synthetic archive with every PNG missing.
#
#   Scripts/bench-regen.sh [PAGES]      (default 10000)
#
# Targets on 2 cores: regen at least 10x faster than the loop; verify of 10,000 pages under 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-10000}
Scripts/bootstrap.sh >/dev/null
swift build -c release --product sharemark 2>&1 | tail -1
bin=$(pwd)/.build/release/sharemark
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 Scripts/make-archive.py "$work/a" --pages "$pages" --seed 1 --png none >/dev/null
cp -r "$work/a" "$work/loop"
# The pages the loop handles: those whose footer references a PNG (the regen plan's list,
# taken from a throw-away copy so that the timed regen starts without an index).
cp -r "$work/a" "$work/plan"
"$bin" regen --dry-run --json "$work/plan" \
  | python3 -c 'import json,sys; [print(i["asset"][:-4]) for i in json.load(sys.stdin)["items"]]' > "$work/pages.txt"
rm -rf "$work/plan"
echo "archive: $pages pages, $(wc -l < "$work/pages.txt") with a share footer, no PNG; $(nproc) cores"

now() { date +%s%N; }
seconds() { python3 -c "print(f'{($2 - $1) / 1e9:.2f}')"; }

# sharemark regen: index the archive from scratch, plan, render and write every PNG.
t0=$(now)
"$bin" regen "$work/a" > "$work/regen.txt"
t1=$(now)
regen=$(seconds "$t0" "$t1")
echo "sharemark regen: ${regen} s wall (index from scratch, then $(grep -o 'written: [0-9]*' "$work/regen.txt") PNGs in $(grep -o 'time: .*' "$work/regen.txt" | cut -c7-))"

# The original loop: one qrencode process per page, sequential, URL built from the path.
t0=$(now)
(
  cd "$work/loop"
  while read -r page; do
    qrencode -o "$page.png" -s 4 "https://github.com/example-org/mirror/blob/master/$page"
  done < "$work/pages.txt"
)
t1=$(now)
loop=$(seconds "$t0" "$t1")
echo "shell loop (qrencode -o pages/C/ID.md.png -s 4 URL per page): ${loop} s"
python3 -c "print(f'regen speed-up: {$loop / $regen:.1f}x (target >= 10x)')"

# sharemark verify on the result (the index is updated incrementally: the new PNGs).
t0=$(now)
"$bin" verify --format json "$work/a" > "$work/verify.json" || true
t1=$(now)
verify=$(seconds "$t0" "$t1")
python3 - "$work/verify.json" "$verify" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"sharemark verify: {r['pagesChecked']} pages, {r['errors']} errors, {r['warnings']} warnings: "
      f"{sys.argv[2]} s wall ({r['seconds']:.2f} s checking) (target < 5 s)")
PY
# And once more with the index current: the steady state of a CI run.
t0=$(now)
"$bin" verify --format json "$work/a" > /dev/null || true
t1=$(now)
echo "sharemark verify again (index current): $(seconds "$t0" "$t1") s"
