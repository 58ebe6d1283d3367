#!/usr/bin/env bash
# `sharemark fix` against `sharemark verify` on the same archive, in the same run: a copy of a
# 3,000-page archive (PNGs made by qrencode) with nothing to repair, and one with 60 pages whose
# QR image link has the other form (60 footers to rewrite). Both commands bring the index up to
# date first and check every PNG; fix also plans the footers and writes the repairs.
#
#   Scripts/bench-fix.sh [PAGES] [ROUNDS]        (default 3000 pages, 5 rounds)
#
# Each round copies the archive (untimed, mtimes kept so the index copied with it is current),
# times verify on it, then fix; after each fix, verify must say nothing needs repair and fix must
# have rewritten the planted pages (else no figure is printed). Ratios are the median of the
# rounds' fix/verify. Targets: at most 1.2x with nothing to repair, 1.5x with 60 repairs.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/bench-common.sh
pages=${1:-3000}
rounds=${2:-5}
planted=60
Scripts/bootstrap.sh >/dev/null
bin=$(bench_binary)

cache=/var/tmp/sharemark-bench-cache/fix-archive-$pages
if [[ ! -f $cache/manifest.json ]]; then
    echo "making a $pages-page archive with PNGs in $cache (once) ..."
    python3 Scripts/make-archive.py "$cache" --pages "$pages" --seed 5 --png qrencode --force >/dev/null
fi
work=$(bench_workdir)
trap 'bench_cleanup "$work"' EXIT
echo "archive: $pages pages"
bench_context "$work"

# The clean archive: the generated one with its planted faults repaired once.
cp -a "$cache" "$work/clean"
"$bin" fix --remove-orphans "$work/clean" >/dev/null
"$bin" verify "$work/clean" >"$work/verify.txt" || { echo "the repaired archive does not verify:" >&2; tail "$work/verify.txt" >&2; exit 1; }
# The same with $planted image links moved to the other form (cdn <-> blob).
cp -a "$work/clean" "$work/faulty"
python3 - "$work/faulty" "$planted" <<'PY'
import os, re, sys
root, count = sys.argv[1], int(sys.argv[2])
pages = sorted(os.path.join(d, f) for d, _, files in os.walk(os.path.join(root, "pages")) for f in files if f.endswith(".md"))
changed = 0
for path in pages[:: max(1, len(pages) // count)]:
    if changed == count:
        break
    text = open(path, encoding="utf-8").read()
    cdn = re.search(r"<img src='https://cdn\.jsdelivr\.net/gh/([^/]+)/([^/]+)/(pages/[^']+)'", text)
    blob = re.search(r"<img src='https://github\.com/([^/]+)/([^/]+)/blob/([^/]+)/(pages/[^']+)'", text)
    if cdn:
        new = f"<img src='https://github.com/{cdn[1]}/{cdn[2]}/blob/master/{cdn[3]}'"
        text = text[:cdn.start()] + new + text[cdn.end():]
    elif blob:
        new = f"<img src='https://cdn.jsdelivr.net/gh/{blob[1]}/{blob[2]}/{blob[4]}'"
        text = text[:blob.start()] + new + text[blob.end():]
    else:
        continue
    open(path, "w", encoding="utf-8").write(text)
    changed += 1
if changed != count:
    sys.exit(f"planted {changed} faults, not {count}")
PY
"$bin" index "$work/faulty" >/dev/null

run_case() {  # $1 label, $2 template folder, $3 pages fix must rewrite
    local label=$1 template=$2 expected=$3 round copy
    local -a ratios=()
    for round in $(seq 1 "$rounds"); do
        copy=$work/round
        rm -rf "$copy"
        cp -a "$template" "$copy"
        sync
        # verify exits 1 on findings: that is its answer here, not a failure.
        bench_measure "  $label, round $round: verify" sh -c '"$1" verify "$2" >/dev/null; [ $? -le 1 ]' verify "$bin" "$copy"
        local verify_wall=$wall
        bench_measure "  $label, round $round: fix" sh -c '"$1" fix --json "$2" >"$3"' fix "$bin" "$copy" "$work/fix.json"
        local fix_wall=$wall
        local rewritten
        rewritten=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["pagesRewritten"]))' "$work/fix.json")
        [ "$rewritten" = "$expected" ] || { echo "$label: fix rewrote $rewritten pages, not $expected" >&2; exit 1; }
        "$bin" verify "$copy" >"$work/verify.txt" || { echo "$label: the archive does not verify after fix" >&2; tail "$work/verify.txt" >&2; exit 1; }
        ratios+=("$(python3 -c "print($fix_wall / $verify_wall)")")
    done
    python3 - "$label" "${ratios[@]}" <<'PY'
import statistics, sys
label, ratios = sys.argv[1], [float(r) for r in sys.argv[2:]]
print(f"{label}: fix / verify, median of {len(ratios)} rounds: {statistics.median(ratios):.2f}x "
      f"(rounds: {' '.join(f'{r:.2f}' for r in ratios)})")
PY
}

run_case "nothing to repair" "$work/clean" 0
run_case "$planted repairs" "$work/faulty" "$planted"
echo "targets: nothing to repair <= 1.2x, $planted repairs <= 1.5x"
bench_load
