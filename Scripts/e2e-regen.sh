#!/usr/bin/env bash
# End-to-end checks of the built `sharemark` binary that need real processes: a regen killed
# with SIGKILL at a random point and run again, and the one-regen-per-archive lock.
# Run by Scripts/test.sh after `swift test`; SHAREMARK=path picks another binary.
set -euo pipefail
# shellcheck source=Scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"
fail() { echo "e2e-regen: FAIL: $*" >&2; exit 1; }

a=$work/archive
python3 Scripts/make-archive.py "$a" --pages 2000 --seed 7 --png none >/dev/null
"$bin" index "$a" >/dev/null
# A leftover of an earlier killed write, which the next regen must remove.
first_page=$(find "$a/pages" -name '*.md' | sort | sed -n 1p)
echo half > "$first_page.png.sharemark-tmp-99999-1"

# 1. Kill regens while they write, three times: each kill lands once regen --all has rewritten
#    a tenth, three tenths, half of the PNGs, and must land before it is done (the process dies
#    of SIGKILL, and fewer PNGs than pages are new): a round where regen finished first is run
#    again, and a round that never lands mid-write fails the test.
pages=$(find "$a/pages" -name '*.md' | wc -l)
newer_pngs() { find "$a/pages" -name '*.png' -newer "$work/mark" | wc -l; }
for round in 1 2 3; do
  target=$(( pages * (round == 1 ? 1 : round == 2 ? 3 : 5) / 10 ))
  landed=""
  for attempt in 1 2 3 4 5; do
    sleep 0.01  # a new second fraction for -newer
    touch "$work/mark"
    "$bin" regen --all --jobs 1 "$a" >/dev/null 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && [ "$(newer_pngs)" -lt "$target" ]; do :; done
    kill -KILL "$pid" 2>/dev/null || true
    status=0; wait "$pid" 2>/dev/null || status=$?
    written=$(newer_pngs)
    if [ "$status" -eq 137 ] && [ "$written" -lt "$pages" ]; then landed=yes; break; fi
    echo "e2e-regen: round $round, attempt $attempt: regen ended first (status $status, $written PNGs new); again"
    target=$(( target / 2 ))
  done
  [ -n "$landed" ] || fail "round $round: no kill landed while regen was writing"
  echo "e2e-regen: round $round: killed by SIGKILL mid-write, $written of $pages PNGs rewritten"
done

# 2. Run again: it completes, removes temporary files, and verify finds no error.
"$bin" regen "$a" > "$work/regen.txt" || fail "regen after kill: $(cat "$work/regen.txt")"
leftovers=$(find "$a" -name '*.sharemark-tmp-*' | wc -l)
[ "$leftovers" -eq 0 ] || fail "$leftovers temporary files left"
"$bin" verify --format json "$a" > "$work/verify.json" || fail "verify after kill: $(head -c 2000 "$work/verify.json")"
python3 - "$work/verify.json" <<'PY' || fail "verify reported errors"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["errors"] == 0, report["errors"]
assert report["pagesWithFooter"] > 1900, report["pagesWithFooter"]
PY
# PNGs decode (zbar, an independent decoder; 20 spread over the archive in path order) to
# their page's printed mirror URL, as the archive generator wrote it in the footer.
python3 - "$a" <<'PY' || fail "zbar sample: PNGs that do not encode their page's printed mirror URL"
import json, subprocess, sys
root = sys.argv[1]
entries = sorted((e for e in json.load(open(root + "/manifest.json"))["entries"] if e["payload"]), key=lambda e: e["path"])
sample = entries[::len(entries) // 20][:20]
assert len(sample) == 20, len(sample)
bad = []
for e in sample:
    page = open(f"{root}/{e['path']}", encoding="utf-8", errors="replace").read()
    if e["payload"] + " <br/>" not in page:
        bad.append(f"{e['path']}: the footer does not print {e['payload']}")
        continue
    r = subprocess.run(["zbarimg", "--raw", "-q", f"{root}/{e['path']}.png"], capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.rstrip("\n") != e["payload"]:
        bad.append(f"{e['path']}.png: zbarimg exit {r.returncode}, read {r.stdout.strip()!r}, expected {e['payload']!r}")
for line in bad: print("  " + line, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "e2e-regen: zbarimg read 20 sampled PNGs as their pages' printed mirror URLs"
# Nothing is left to rewrite: every PNG is what its page asks for.
"$bin" regen --stale --dry-run --json "$a" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["wouldWrite"]==0, d["wouldWrite"]' \
  || fail "regen --stale would still rewrite files"
echo "e2e-regen: killed regen recovered, verify clean, no temporary files"

# 3. The lock: a second regen is refused with exit code 75 naming the holder, or waits.
lock=$a/.sharemark/regen.lock
echo "pid 4242 on testhost since now" > "$lock"
rm -f "$work/released" "$work/go"
# The holder keeps the lock until told to let go, and says it did just before it does.
flock "$lock" sh -c 'while [ ! -e "$1/go" ]; do sleep 0.05; done; touch "$1/released"' holder "$work" &
holder=$!
until ! flock -n "$lock" true; do sleep 0.01; done  # the holder has it
set +e
"$bin" regen "$a" > /dev/null 2> "$work/locked.txt"
code=$?
set -e
[ "$code" -eq 75 ] || fail "locked regen exited $code, not 75"
grep -q "pid 4242" "$work/locked.txt" || fail "locked regen did not name the holder: $(cat "$work/locked.txt")"
# The waiting regen notes, as it ends, whether the holder had let go by then.
( "$bin" regen --wait "$a" > /dev/null || exit 1
  if [ -e "$work/released" ]; then echo after; else echo before; fi > "$work/order" ) & waiter=$!
# Let go only once the waiter is blocked on the lock: the kernel lists a blocked flock in
# /proc/locks as "->" against the lock file's inode.
inode=$(stat -c %i "$lock")
blocked=""
for _ in $(seq 1 3000); do
  grep -qE -- "-> FLOCK .*:$inode " /proc/locks && { blocked=yes; break; }
  [ -e "$work/order" ] && break
  sleep 0.01
done
[ -n "$blocked" ] || fail "regen --wait never blocked on the lock ($(cat "$work/order" 2>/dev/null || echo 'still running'))"
touch "$work/go"
wait "$waiter" || fail "regen --wait failed"
[ "$(cat "$work/order")" = after ] || fail "regen --wait finished before the holder let go of the lock"
wait "$holder"
echo "e2e-regen: second regen refused (75, names pid 4242); --wait blocked on the lock (/proc/locks) and ran only after the holder let go"
# 4. verify's exit codes and repair hint: warnings pass unless --strict; a deleted PNG is an
#    error whose report ends with the command that repairs it; regen repairs it.
"$bin" verify "$a" > /dev/null || fail "verify with warnings only failed"
if "$bin" verify --strict "$a" > /dev/null; then fail "verify --strict passed despite warnings"; fi
rm "$first_page.png"
if "$bin" verify "$a" > "$work/verify.txt"; then fail "verify passed with a PNG missing"; fi
# The archive also has footers to rewrite: the one command that repairs all is fix.
[ "$(tail -1 "$work/verify.txt")" = "  sharemark fix $a" ] || fail "last line: $(tail -1 "$work/verify.txt")"
grep -q "asset-missing; repair: sharemark regen)" "$work/verify.txt" || fail "the missing PNG's finding does not name regen"
"$bin" verify --format github "$a" > "$work/github.txt" || true
grep -q "^::error file=$a/${first_page#"$a/"},line=[0-9]*,title=sharemark asset-missing::" "$work/github.txt" \
  || fail "no GitHub annotation for the missing PNG"
"$bin" regen "$a" > "$work/regen.txt" || fail "regen failed"
grep -q "^written: 1 (1 missing)" "$work/regen.txt" || fail "regen did not write the missing PNG"
"$bin" verify "$a" > /dev/null || fail "verify after repair failed"
echo "e2e-regen: verify exit codes, repair hint and GitHub annotation as documented"

# 6. An archive made by the old loop (`qrencode -s 4` for each page): rewriting every PNG in the
#    qrencode PNG style changes no byte (cmp), while the compact style does rewrite them.
q=$work/loop-archive
python3 Scripts/make-archive.py "$q" --pages 300 --seed 11 --png qrencode >/dev/null
cp -a "$q" "$work/loop-pristine"
"$bin" regen --all --png-style qrencode "$q" > "$work/regen-q.txt" || fail "regen --png-style qrencode: $(cat "$work/regen-q.txt")"
pngs=0
while IFS= read -r f; do
  pngs=$((pngs + 1))
  cmp -s "$f" "$q/${f#"$work/loop-pristine/"}" || fail "regen --png-style qrencode changed ${f#"$work/loop-pristine/"}"
done < <(find "$work/loop-pristine/pages" -name '*.png' | sort)
[ "$pngs" -ge 200 ] || fail "only $pngs PNGs in the loop-made archive"
# Every PNG a footer references was rewritten (the others are orphans, which regen leaves).
forced=$(sed -nE 's/^written: [0-9]+ \(([0-9]+) forced.*/\1/p' "$work/regen-q.txt")
[ "${forced:-0}" -ge 200 ] || fail "regen --all rewrote ${forced:-no} PNGs: $(head -3 "$work/regen-q.txt")"
"$bin" regen --all "$q" > /dev/null || fail "regen --all (compact) failed"
changed=0
while IFS= read -r f; do
  cmp -s "$f" "$q/${f#"$work/loop-pristine/"}" || changed=$((changed + 1))
done < <(find "$work/loop-pristine/pages" -name '*.png' | sort)
[ "$changed" -eq "$forced" ] || fail "the compact style changed $changed PNGs, not the $forced it rewrote"
echo "e2e-regen: regen --all --png-style qrencode rewrote $forced loop-made PNGs byte for byte (cmp over all $pngs); the compact style changed all $changed"
echo "e2e-regen: OK"
