#!/usr/bin/env bash
# Benchmark of `sharemark regen` against the archives' original shell loop, and of
# `sharemark verify`, on a 10,000-page synthetic archive with every PNG missing.
#
#   Scripts/bench-regen.sh [PAGES]      (default 10000; BENCH_DIR=/path: where the archives go)
#
# Targets on 2 cores: regen at least 10x faster than the loop; verify of 10,000 pages under 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-10000}
Scripts/bootstrap.sh >/dev/null
swift build -c release --product sharemark 2>&1 | tail -1
bin=$(pwd)/.build/release/sharemark
# The archives go to tmpfs (/dev/shm) by default, so that both sides measure rendering and
# file creation rather than the latency of a shared VM disk (which varies by the minute and
# after mass deletions makes every new file slow, for both). BENCH_DIR=/path measures another
# file system.
work=$(mktemp -d "${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )}/sharemark-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 Scripts/make-archive.py "$work/a" --pages "$pages" --seed 1 --png none >/dev/null
cp -r "$work/a" "$work/loop"
# The pages the loop handles: those whose footer references a PNG (the regen plan's list,
# taken from the loop's copy so that the timed regen starts without an index).
# Nothing is deleted before the timings: on ext4 without a journal, inodes freed in the last
# minutes are skipped one by one when new files are made, which slows any file creation
# (run the script again only a few minutes after the last run, whose clean-up deleted 20,000 files).
"$bin" regen --dry-run --json "$work/loop" \
  | python3 -c 'import json,sys; [print(i["asset"][:-4]) for i in json.load(sys.stdin)["items"]]' > "$work/pages.txt"
echo "archive: $pages pages, $(wc -l < "$work/pages.txt") with a share footer, no PNG; $(nproc) cores"

# measure NAME COMMAND...: runs the command, prints wall-clock and CPU (user+sys) seconds
# (CPU time is what the comparison rests on when other work shares the machine), and leaves
# the wall-clock seconds in $wall.
measure() {
  local name=$1; shift
  wall=$(python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.2f} {r.ru_utime + r.ru_stime:.2f} {code}")
PY
)
  set -- $wall
  wall=$1; cpu=$2
  echo "$name: $wall s wall, $cpu s CPU (exit $3)"
}
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }

load
# sharemark regen: index the archive from scratch, plan, render and write every PNG.
measure "sharemark regen (index from scratch, plan, write)" "$bin" regen "$work/a"
regen=$wall; regen_cpu=$cpu

# The original loop: one qrencode process per page, sequential, URL built from the path.
cat > "$work/loop.sh" <<'SH'
cd "$1"
while read -r page; do
  qrencode -o "$page.png" -s 4 "https://github.com/example-org/mirror/blob/master/$page"
done < "$2"
SH
measure "shell loop (qrencode -o pages/C/ID.md.png -s 4 URL per page)" bash "$work/loop.sh" "$work/loop" "$work/pages.txt"
loop=$wall; loop_cpu=$cpu
python3 -c "print(f'regen speed-up: {$loop / $regen:.1f}x wall, {$loop_cpu / $regen_cpu:.1f}x CPU (target >= 10x)')"
load

# sharemark verify on the result (the index is updated incrementally: the new PNGs).
measure "sharemark verify (index update + check)" "$bin" verify "$work/a"
"$bin" verify --format json "$work/a" > "$work/verify.json" || true
python3 - "$work/verify.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  {r['pagesChecked']} pages, {r['errors']} errors, {r['warnings']} warnings; "
      f"checking took {r['seconds']:.2f} s of it (target: 10,000 pages < 5 s)")
PY
load
