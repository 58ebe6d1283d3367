#!/usr/bin/env bash
# `sharemark regen` against the archives' original shell loop (one `qrencode -s 4` process per
# page), then `sharemark verify`, on a synthetic archive with every PNG missing.
#
#   Scripts/bench-regen.sh [PAGES]        (default 10000)
#
# Files go to a fresh file system on the ordinary disk by default; BENCH_TMPFS=1 for /dev/shm,
# BENCH_DIR=/path for another file system (Scripts/bench-common.sh). regen runs as users run it (index built from
# nothing, all cores); the loop is sequential, as it was. Both sides must succeed and write the
# same pixels for every page, and sharemark's PNGs must decode (zbarimg) to their URLs, before a
# ratio is printed. Target on 2 cores: at least 15x the loop, under 200 µs of CPU per image.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/bench-common.sh
pages=${1:-10000}
Scripts/bootstrap.sh >/dev/null
bin=$(bench_binary)
work=$(bench_workdir)
trap 'bench_cleanup "$work"' EXIT

python3 Scripts/make-archive.py "$work/a" --pages "$pages" --seed 1 --png none >/dev/null
cp -r "$work/a" "$work/loop"
cp -r "$work/a" "$work/plan"
# The pages the loop handles: those whose footer references a PNG, each with the URL its footer
# prints (the regen plan's list, from a third copy so that the timed regen starts without an
# index, as on a fresh clone). The loop encodes the same URLs, so both sides do the same work.
"$bin" regen --dry-run --json "$work/plan" \
  | python3 -c 'import json,sys; [print(i["asset"] + "\t" + i["payload"]) for i in json.load(sys.stdin)["items"]]' > "$work/plan.txt"
cut -f1 "$work/plan.txt" > "$work/assets.txt"
rm -rf "$work/plan"
images=$(wc -l < "$work/assets.txt")
[ "$images" -gt 0 ] || { echo "the plan lists no PNG to write" >&2; exit 1; }
echo "archive: $pages pages, $images with a share footer and no PNG"
bench_context "$work"
# What the archive's new files will sit beside is on disk before either side starts.
sync

bench_measure "sharemark regen (index from nothing, plan, render, write)" "$bin" regen "$work/a"
regen=$wall; regen_cpu=$cpu

# The original loop: one qrencode process per page, sequential.
cat > "$work/loop.sh" <<'SH'
cd "$1"
while IFS=$'\t' read -r asset url; do
  qrencode -o "$asset" -s 4 "$url" || exit 1
done < "$2"
SH
bench_measure "shell loop (qrencode -o pages/C/ID.md.png -s 4 URL per page)" bash "$work/loop.sh" "$work/loop" "$work/plan.txt"
loop=$wall; loop_cpu=$cpu
bench_load

# The same work on both sides: every PNG of the plan written, pixel for pixel the same.
python3 Scripts/png-pixels.py "$work/a" "$work/loop" "$work/assets.txt"
# sharemark's PNGs decode to their URLs (zbarimg, an independent decoder), on a sample.
awk 'NR % 97 == 1' "$work/plan.txt" | while IFS=$'\t' read -r asset url; do
  got=$(zbarimg --quiet --raw "$work/a/$asset" 2>/dev/null)
  [ "$got" = "$url" ] || { echo "$asset decodes to '$got', not $url" >&2; exit 1; }
done
size() { (cd "$1" && xargs stat -c %s < "$work/assets.txt") | awk '{s += $1} END {printf "%.0f", s / NR}'; }
echo "mean PNG size: sharemark $(size "$work/a") bytes, qrencode $(size "$work/loop") bytes"

python3 -c "print(f'CPU per image: sharemark {$regen_cpu / $images * 1e6:.0f} µs, qrencode loop {$loop_cpu / $images * 1e6:.0f} µs (target: sharemark < 200 µs)')"
bench_ratio "regen speed-up, wall" "$loop" "$regen" ">=15"
bench_ratio "regen speed-up, CPU time" "$loop_cpu" "$regen_cpu"

# sharemark verify on the result (the index is updated incrementally: the new PNGs).
bench_measure "sharemark verify (index update + check of every PNG)" "$bin" verify "$work/a"
"$bin" verify --format json "$work/a" > "$work/verify.json"
python3 - "$work/verify.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  {r['pagesChecked']} pages, {r['errors']} errors, {r['warnings']} warnings; "
      f"checking took {r['seconds']:.2f} s of it")
PY
bench_load
