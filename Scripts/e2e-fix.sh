#!/usr/bin/env bash
# End-to-end checks of `sharemark fix` on synthetic archives of several house styles (image link
# form and footer wording): faults planted in a fault-free archive are listed by `fix --check`,
# shown by `fix --dry-run` without a change, and repaired by `fix` byte for byte (every other
# byte of every page kept, the PNGs pixel-identical to qrencode's); a second fix changes
# nothing. Then an archive with no footer at all: no URL is invented before `sharemark init`,
# and after it `fix` gives every page a footer and a PNG.
# Run by Scripts/test.sh after e2e-regen.sh; SHAREMARK=path picks another binary.
# E2E_FIX_PAGES (default 300) and E2E_FIX_STYLES (default "cdn:standard blob:plain cdn:compact",
# image link form:footer style) size the run.
set -euo pipefail
# shellcheck source=Scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"
fail() { echo "e2e-fix: FAIL: $*" >&2; exit 1; }
pages=${E2E_FIX_PAGES:-300}
styles=${E2E_FIX_STYLES:-"cdn:standard blob:plain cdn:compact"}
for tool in qrencode zbarimg pngtopnm; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (Scripts/bootstrap.sh)"
done

# Helpers shared by the checks below (imported as e2e_fix).
cat > "$work/e2e_fix.py" <<'PY'
import difflib, hashlib, json, os, random, subprocess

OWNER, REPO, OLD_REPO, BRANCH = "example-org", "mirror", "old-mirror", "master"


def mirror(path, repo=REPO):
    return f"https://github.com/{OWNER}/{repo}/blob/{BRANCH}/{path}"


def image(path, form, repo=REPO):
    if form == "cdn":
        return f"https://cdn.jsdelivr.net/gh/{OWNER}/{repo}/{path}.png"
    return mirror(path, repo) + ".png"


def other(form):
    return "blob" if form == "cdn" else "cdn"


def entries(archive):
    return json.load(open(os.path.join(archive, "manifest.json")))["entries"]


def tree(root):
    """sha256 of every file under root, by relative path; the index and lock folder .sharemark excepted."""
    out = {}
    for folder, dirs, files in os.walk(root):
        if folder == root and ".sharemark" in dirs:
            dirs.remove(".sharemark")
        for name in files:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, root)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return out


def tree_diff(before, after, limit=8):
    """'' when equal, else a short account of what differs."""
    changed = sorted(p for p in before.keys() & after.keys() if before[p] != after[p])
    added, removed = sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())
    parts = [f"{label} {len(items)}: {items[:limit]}" for label, items in
             (("changed", changed), ("added", added), ("removed", removed)) if items]
    return "; ".join(parts)


def read(archive, path):
    return open(os.path.join(archive, path), "rb").read()


def lines(data):
    return data.splitlines(keepends=True)


def bare(line):
    """The line without its ending, a BOM, or a trailing ' <br/>'."""
    line = line.rstrip(b"\r\n")
    if line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    return line[:-6] if line.endswith(b" <br/>") else line


def printed_line(ls, url):
    """Index of the footer line that prints `url` alone."""
    found = [i for i, l in enumerate(ls) if bare(l) == url.encode()]
    assert len(found) == 1, f"{len(found)} lines print {url}"
    return found[0]


def show_diff(a, b, name, limit=12):
    """A short unified diff of two byte strings, for failure messages."""
    la = [l.decode("utf-8", "backslashreplace") for l in lines(a)]
    lb = [l.decode("utf-8", "backslashreplace") for l in lines(b)]
    diff = list(difflib.unified_diff(la, lb, "expected/" + name, "actual/" + name, n=1))
    return "".join(repr(l)[1:-1] + "\n" for l in diff[:limit]) + ("...\n" if len(diff) > limit else "")


def qrencode(url, out):
    subprocess.run(["qrencode", "-s", "4", "-o", out, url], check=True)


def pnm(path):
    return subprocess.run(["pngtopnm", path], check=True, capture_output=True).stdout


def zbar(path):
    r = subprocess.run(["zbarimg", "-q", "--raw", path], capture_output=True)
    return r.stdout.decode("utf-8", "replace").strip() if r.returncode == 0 else None
PY
export PYTHONPATH=$work

# One house style: make, plant, check, fix, check again. $1 image link form, $2 footer style.
run_style() {
  local form=$1 style=$2 tag="$1/$2"
  local dir=$work/$1-$2
  local a=$dir/archive pristine=$dir/pristine planted=$dir/planted
  mkdir -p "$dir"
  python3 Scripts/make-archive.py "$a" --pages "$pages" --seed 13 --png qrencode --image-url "$form" \
    --footer-style "$style" --quirks crlf,bom,nofinalnewline,mixed,badutf8,trailingspace >/dev/null
  cp -a "$a" "$pristine"

  # The base is fault-free: fix --check finds nothing to do. (Its index, made here, is kept:
  # the faults below are planted as edits after it, as in a real archive.)
  "$bin" fix --check "$a" > "$dir/check0.txt" 2>&1 || fail "$tag: fix --check on the fault-free base: $(head -5 "$dir/check0.txt")"

  # 1. Plant faults on distinct pages, 4 of each kind; plan.json records them.
  #    a renamed repository (footer and PNG under old-mirror), b sed rename leftover (PNG only),
  #    c printed URL of another page, d footer naming another page, e image link of the other
  #    form, f footer removed.
  quirky=$(python3 - "$a" "$form" "$style" "$dir/plan.json" <<'PY'
import random, sys
from e2e_fix import *
archive, form, style, plan_path = sys.argv[1:]
es = entries(archive)
assert all(e["payload"] == mirror(e["path"]) for e in es), "the base has a page without a canonical footer"
rng = random.Random(5)
kinds = "abcdef"
special = ["crlf", "bom", "nofinalnewline", "mixed", "badutf8", "trailingspace"]
taken, plan = set(), {k: [] for k in kinds}
# Each kind's first pages carry the odd quirks (endings, BOM, bad UTF-8...), the rest at random.
for n, k in enumerate(kinds):
    for q in (special[n], special[(n + 3) % len(special)]):
        choice = [e["path"] for e in es if q in e["quirks"] and e["path"] not in taken]
        if choice:
            plan[k].append(rng.choice(choice)); taken.add(plan[k][-1])
    while len(plan[k]) < 4:
        p = rng.choice(es)["path"]
        if p not in taken:
            plan[k].append(p); taken.add(p)
others = [e["path"] for e in es if e["path"] not in taken]
targets = {}

def write(path, data):
    open(os.path.join(archive, path), "wb").write(data)

for k in kinds:
    for path in plan[k]:
        data = read(archive, path)
        ls = lines(data)
        url, img = mirror(path), image(path, form)
        p = printed_line(ls, url)
        link = p + 1
        assert url.encode() in ls[link] and img.encode() in ls[link], (path, ls[link])
        href = lambda u: (f'href="{u}"' if style == "plain" else f"href='{u}'").encode()
        if k == "a":
            old, old_img = mirror(path, OLD_REPO), image(path, form, OLD_REPO)
            ls[p] = ls[p].replace(url.encode(), old.encode())
            ls[link] = ls[link].replace(img.encode(), old_img.encode()).replace(href(url), href(old))
            assert url.encode() not in ls[link], ls[link]
            qrencode(old, os.path.join(archive, path + ".png"))
        elif k == "b":
            qrencode(mirror(path, OLD_REPO), os.path.join(archive, path + ".png"))
        elif k == "c":
            targets[path] = others[(len(targets) * 37) % len(others)]
            ls[p] = ls[p].replace(url.encode(), mirror(targets[path]).encode())
        elif k == "d":
            targets[path] = others[(len(targets) * 37) % len(others)]
            ls[p] = ls[p].replace(url.encode(), mirror(targets[path]).encode())
            assert ls[link].count(href(url)) == 1, ls[link]
            ls[link] = ls[link].replace(href(url), href(mirror(targets[path])))
        elif k == "e":
            ls[link] = ls[link].replace(img.encode(), image(path, other(form)).encode())
        elif k == "f":
            start = p - 1 if style == "plain" else p - 2
            first = bare(ls[start])
            assert first == {"standard": b"<hr/>", "compact": b"<hr>", "plain": b"Share this page:"}[style], first
            assert b"://" in ls[p + 2] and url.encode() not in ls[p + 2], ls[p + 2]  # the original-URL line
            del ls[start:p + 3]
        new = b"".join(ls)
        assert k == "b" or new != data, (k, path)
        write(path, new)
json.dump({"plan": plan, "targets": targets}, open(plan_path, "w"), indent=1)
quirky = {q: sum(1 for e in es if e["path"] in taken and q in e["quirks"]) for q in special}
print(", ".join(f"{n} {q}" for q, n in quirky.items()))
PY
) || fail "$tag: planting faults failed"
  cp -a "$a" "$planted"
  echo "e2e-fix: $tag: $pages pages, faults planted on 24 (4 each: renamed repository, stale PNG, printed/linked mismatch, footer naming another page, image link of the other form, footer removed; among them $quirky)"

  # 2. fix --check names exactly the planted pages, once each, and exits 1.
  set +e
  "$bin" fix --check "$a" > "$dir/check.txt" 2> "$dir/check.err"; code=$?
  "$bin" fix --check --format json "$a" > "$dir/check.json" 2> "$dir/check-json.err"; jcode=$?
  set -e
  [ "$code" -eq 1 ] || fail "$tag: fix --check exited $code, not 1: $(head -5 "$dir/check.txt" "$dir/check.err")"
  [ "$jcode" -eq 1 ] || fail "$tag: fix --check --format json exited $jcode, not 1"
  python3 - "$dir/plan.json" "$dir/check.txt" "$dir/check.err" "$dir/check.json" <<'PY' || fail "$tag: fix --check did not list exactly the planted pages"
import collections, json, re, sys
plan = json.load(open(sys.argv[1]))["plan"]
want = {p for ps in plan.values() for p in ps}
kind_of = {p: k for k, ps in plan.items() for p in ps}
text = open(sys.argv[2], encoding="utf-8").read().splitlines()
err = open(sys.argv[3], encoding="utf-8").read()
assert not err.strip(), f"fix --check wrote to stderr (footers left alone?): {err[:1000]}"
listed = [l for l in text if l.startswith("pages/")]
bad = [l for l in listed if not re.match(r"^pages/[^:\s]+\.md:\d+: \S", l)]
assert not bad, f"lines not of the form pages/C/ID.md:LINE: ...: {bad[:5]}"
got = collections.Counter(l.split(":", 1)[0] for l in listed)
twice = [p for p, n in got.items() if n > 1]
missing = sorted(want - set(got))
extra = sorted(set(got) - want)
assert not twice, f"pages listed more than once: {twice}"
assert not missing, "planted pages not listed: " + ", ".join(f"{p} (kind {kind_of[p]})" for p in missing)
assert not extra, f"unplanted pages listed: {extra}"
doc = json.load(open(sys.argv[4]))
jpages = [e["page"] for e in doc["pages"]]
assert len(jpages) == len(set(jpages)), f"JSON lists a page twice: {jpages}"
assert set(jpages) == want, f"JSON: missing {sorted(want - set(jpages))}, extra {sorted(set(jpages) - want)}"
PY
  echo "e2e-fix: $tag: fix --check exits 1 and lists exactly the 24 planted pages (text and JSON)"

  # 3. fix --dry-run changes nothing and shows a diff of each page whose footer changes.
  python3 -c 'import e2e_fix, json, sys; json.dump(e2e_fix.tree(sys.argv[1]), open(sys.argv[2], "w"))' "$a" "$dir/before.json"
  "$bin" fix --dry-run "$a" > "$dir/dry.txt" 2> "$dir/dry.err" || fail "$tag: fix --dry-run failed: $(head -5 "$dir/dry.err")"
  python3 - "$a" "$dir/before.json" "$dir/plan.json" "$dir/dry.txt" "$dir/dry.err" <<'PY' || fail "$tag: fix --dry-run"
import json, re, sys
from e2e_fix import *
archive = sys.argv[1]
change = tree_diff(json.load(open(sys.argv[2])), tree(archive))
assert not change, f"fix --dry-run changed files: {change}"
plan = json.load(open(sys.argv[3]))["plan"]
out = open(sys.argv[4], encoding="utf-8", errors="replace").read().splitlines()
footer_pages = {p for k in "acdef" for p in plan[k]}
minus = {l[6:] for l in out if l.startswith("--- a/")}
plus = {l[6:] for l in out if l.startswith("+++ b/")}
assert minus == footer_pages, f"--- a/ headers: missing {sorted(footer_pages - minus)}, extra {sorted(minus - footer_pages)}"
assert plus == footer_pages, f"+++ b/ headers: missing {sorted(footer_pages - plus)}, extra {sorted(plus - footer_pages)}"
assert any(l.startswith("@@ ") for l in out), "no @@ hunk header"
writes = {}
for l in out:
    m = re.match(r"^would write (\S+\.png) \((.+)\)$", l)
    if m:
        writes[m.group(1)] = m.group(2)
want = {p + ".png" for k in "ab" for p in plan[k]}
assert set(writes) == want, f"would write: missing {sorted(want - set(writes))}, extra {sorted(set(writes) - want)}"
deletes = [l for l in out if l.startswith("would delete")]
err = open(sys.argv[5], encoding="utf-8").read()
assert not err.strip(), f"fix --dry-run wrote to stderr (footers left alone?): {err[:1000]}"
assert not deletes, f"would delete without --remove-orphans: {deletes}"
PY
  echo "e2e-fix: $tag: fix --dry-run changes no file, diffs the 20 footers, would write the 8 stale PNGs"

  # 4. fix repairs everything; verify is clean of the repaired kinds.
  "$bin" fix "$a" > "$dir/fix.txt" 2>&1 || fail "$tag: fix failed: $(head -20 "$dir/fix.txt")"
  set +e
  "$bin" verify --format json "$a" > "$dir/verify.json"; code=$?
  set -e
  [ "$code" -eq 0 ] || fail "$tag: verify after fix exited $code: $(head -c 2000 "$dir/verify.json")"
  python3 - "$a" "$dir/verify.json" "$dir/plan.json" <<'PY' || fail "$tag: verify after fix"
import collections, json, sys
from e2e_fix import *
report = json.load(open(sys.argv[2]))
plan = json.load(open(sys.argv[3]))["plan"]
assert report["errors"] == 0, report["errors"]
kinds = collections.Counter(f["kind"] for f in report["findings"])
bad = {"image-url-other-form", "alias-mirror-url", "mirror-url-mismatch", "footer-names-other-page", "footer-missing"}
assert not bad & set(kinds), f"findings after fix: {dict(kinds)}"
# What is left, as warnings: the bad UTF-8 the base was made with, on exactly those pages, and
# no original URL on exactly the pages whose footer was removed (it is not known any more).
assert set(kinds) <= {"invalid-utf8", "original-url-missing"}, f"unexpected findings after fix: {dict(kinds)}"
badutf8 = {e["path"] for e in entries(sys.argv[1]) if "badutf8" in e["quirks"]}
for kind, want in (("invalid-utf8", badutf8), ("original-url-missing", set(plan["f"]))):
    got = {f["file"] for f in report["findings"] if f["kind"] == kind}
    assert got == want, f"{kind} findings: missing {sorted(want - got)}, extra {sorted(got - want)}"
odd = [f for f in report["findings"] if f["severity"] != "warning" or not isinstance(f.get("line", 0), (int, type(None)))]
assert not odd, f"findings not warnings, or with a line that is no number: {odd[:3]}"
PY
  echo "e2e-fix: $tag: fix exits 0; verify exits 0 with no error and no footer finding ($(head -2 "$dir/fix.txt" | paste -sd ';' - | sed 's/;/; /g'))"

  # 5 and 6. The PNGs and the bytes of every file, against the pristine copy.
  same=$(python3 - "$a" "$pristine" "$planted" "$dir/plan.json" "$dir/ref" <<'PY'

import json, sys
from e2e_fix import *
archive, pristine, planted, plan_path, ref = sys.argv[1:]
plan = json.load(open(plan_path))["plan"]
os.makedirs(ref)
# 5. Every planted page's PNG is pixel-identical to qrencode's of its canonical mirror URL.
for k, ps in plan.items():
    for path in ps:
        png = os.path.join(archive, path + ".png")
        out = os.path.join(ref, path.replace("/", "_") + ".png")
        qrencode(mirror(path), out)
        got, want = pnm(png), pnm(out)
        assert got == want, f"{path} (kind {k}): PNG pixels differ from qrencode's (headers {got[:15]!r} / {want[:15]!r})"
    decoded = zbar(os.path.join(archive, ps[0] + ".png"))
    assert decoded == mirror(ps[0]), f"{ps[0]} (kind {k}): zbarimg reads {decoded!r}"
# 6. Bytes: every file is the pristine one, except the PNGs fix rewrote (a, b: checked above)
#    and the pages whose footer was removed (f).
before, after = tree(pristine), tree(archive)
rewritten_png = {p + ".png" for k in "ab" for p in plan[k]}
removed = set(plan["f"])
for name in sorted(before.keys() | after.keys()):
    if name in rewritten_png or name in removed:
        continue
    if name == "sharemark.toml" and name not in before:
        # The old repository name that fix moved footers away from is recorded, so that links
        # shared under it keep resolving.
        import re
        toml = read(archive, name).decode()
        assert re.search(r'(?m)^aliases = \["old-mirror"\]$', toml), f"sharemark.toml without the old name: {toml!r}"
        continue
    if name not in after or name not in before:
        raise AssertionError(f"{name}: {'removed' if name not in after else 'added'} by fix")
    if before[name] != after[name]:
        detail = show_diff(read(pristine, name), read(archive, name), name) if name.endswith(".md") else ""
        kind = next((k for k, ps in plan.items() if name in ps or name[:-4] in ps), "unplanted")
        raise AssertionError(f"{name} ({kind}) differs from the pristine copy:\n{detail}")
same_as_pristine = 0
for path in sorted(removed):
    old, new, orig = read(planted, path), read(archive, path), read(pristine, path)
    ol, nl = lines(old), lines(new)
    ops = difflib.SequenceMatcher(None, ol, nl, autojunk=False).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    assert all(op[0] == "insert" for op in changed), \
        f"{path}: fix changed lines other than adding the footer:\n{show_diff(old, new, path)}"
    added = b"".join(b"".join(nl[j1:j2]) for _, _, _, j1, j2 in changed)
    assert mirror(path).encode() in added, f"{path}: the added lines lack the page's mirror URL: {added!r}"
    assert b"example-news.com" not in added, f"{path}: an original URL was invented: {added!r}"
    ol = lines(orig)
    del ol[printed_line(ol, mirror(path)) + 2]  # the original-URL line
    # Put back where it was, in the archive's wording and blank lines: the page it had, but for
    # the original-URL line (that URL is not known any more).
    assert b"".join(ol) == new, f"{path}: the re-added footer differs from the removed one:\n{show_diff(b''.join(ol), new, path)}"
    same_as_pristine += 1
print(f"{same_as_pristine} of {len(removed)}")
PY
) || fail "$tag: files after fix"
  cp -a "$a" "$dir/fixed"
  python3 -c 'import e2e_fix, json, sys; json.dump(e2e_fix.tree(sys.argv[1]), open(sys.argv[2], "w"))' "$a" "$dir/fixed.json"
  echo "e2e-fix: $tag: planted PNGs pixel-identical to qrencode's; every page byte-identical to the pristine one, removed footers re-added by insertion only ($same equal to the pristine page without its original-URL line)"

  # 7. Nothing left to do: fix --check exits 0 and a second fix changes no file.
  "$bin" fix --check "$a" > "$dir/check2.txt" 2>&1 || fail "$tag: fix --check after fix: $(head -5 "$dir/check2.txt")"
  "$bin" fix "$a" > "$dir/fix2.txt" 2>&1 || fail "$tag: second fix failed: $(head -5 "$dir/fix2.txt")"
  python3 - "$a" "$dir/fixed.json" <<'PY' || fail "$tag: second fix is not idempotent"
import json, sys
from e2e_fix import *
change = tree_diff(json.load(open(sys.argv[2])), tree(sys.argv[1]))
assert not change, f"the second fix changed files: {change}"
PY
  echo "e2e-fix: $tag: fix --check exits 0 afterwards; a second fix changes no file"

  # Also: orphans. fix leaves them; fix --remove-orphans removes exactly them, no PNG a page uses.
  orphan=pages/world/n99999999.md.png
  mkdir -p "$a/pages/world"
  qrencode -s 4 -o "$a/$orphan" "https://github.com/example-org/mirror/blob/master/${orphan%.png}"
  "$bin" fix "$a" > /dev/null 2>&1 || fail "$tag: fix with an orphan PNG failed"
  [ -f "$a/$orphan" ] || fail "$tag: fix without --remove-orphans removed $orphan"
  "$bin" fix --remove-orphans "$a" > "$dir/orphans.txt" 2>&1 || fail "$tag: fix --remove-orphans: $(head -5 "$dir/orphans.txt")"
  python3 - "$a" "$dir/fixed.json" <<'PY' || fail "$tag: fix --remove-orphans"
import json, sys
from e2e_fix import *
change = tree_diff(json.load(open(sys.argv[2])), tree(sys.argv[1]))
assert not change, f"after fix --remove-orphans: {change}"
PY
  echo "e2e-fix: $tag: fix keeps an orphan PNG; fix --remove-orphans removes it and nothing else"

  # Also: fix --image-url of the other form: only each footer's QR link line changes, to that form,
  #    and sharemark.toml records it; the PNGs stay; then nothing is left to do.
  local to; to=$([ "$form" = cdn ] && echo blob || echo cdn)
  "$bin" fix --image-url "$to" "$a" > "$dir/move.txt" 2>&1 || fail "$tag: fix --image-url $to: $(head -5 "$dir/move.txt")"
  python3 - "$a" "$dir/fixed" "$form" "$to" <<'PY' || fail "$tag: fix --image-url $to"
import re, sys
from e2e_fix import *
archive, fixed, form, to = sys.argv[1:]
toml = open(os.path.join(archive, "sharemark.toml"), encoding="utf-8").read()
assert re.search(r'(?m)^image_url\s*=\s*"' + to + '"\s*$', toml), f"sharemark.toml: {toml!r}"
before, after = tree(fixed), tree(archive)
# sharemark.toml is new, or was already made by the first fix (which recorded an old name).
assert set(after) ^ set(before) <= {"sharemark.toml"}, tree_diff(before, after)
for e in entries(archive):
    path = e["path"]
    old, new = read(fixed, path), read(archive, path)
    ol, nl = lines(old), lines(new)
    link = printed_line(ol, mirror(path)) + 1
    want = ol[link].replace(image(path, form).encode(), image(path, to).encode())
    diff = [i for i in range(max(len(ol), len(nl))) if ol[i:i + 1] != nl[i:i + 1]]
    assert diff == [link] and nl[link] == want, f"{path}: not just the QR link moved to {to}:\n{show_diff(old, new, path)}"
    assert after[path + ".png"] == before[path + ".png"], f"{path}.png was rewritten"
PY
  "$bin" fix --check "$a" > "$dir/check3.txt" 2>&1 || fail "$tag: fix --check after --image-url $to: $(head -5 "$dir/check3.txt")"
  echo "e2e-fix: $tag: fix --image-url $to moves only the QR link lines and records image_url = \"$to\""
}

for s in $styles; do
  run_style "${s%%:*}" "${s##*:}"
done

# 8. An archive with no footer on any page: nothing to build a URL from until sharemark init.
n=$work/nofooters
python3 Scripts/make-archive.py "$n" --pages "$pages" --seed 17 --png qrencode --no-footers --quirks crlf,bom,trailingspace >/dev/null
cp -a "$n" "$work/nofooters-pristine"
id=$(python3 - "$n" <<'PY'
import collections, sys
from e2e_fix import entries
es = entries(sys.argv[1])
ids = collections.Counter(e["path"].rsplit("/", 1)[1][:-3] for e in es)
print(next(e["path"] for e in es[2:] if ids[e["path"].rsplit("/", 1)[1][:-3]] == 1))
PY
)
page=$id; id=${page##*/}; id=${id%.md}
set +e
"$bin" fix "$n" > "$work/nf-fix.out" 2> "$work/nf-fix.err"; code=$?
set -e
[ "$code" -eq 78 ] || fail "fix with no footer and no sharemark.toml exited $code, not 78"
[ "$(grep -c . "$work/nf-fix.err")" -eq 1 ] || fail "fix with an unknown repository: not a one-line message: $(cat "$work/nf-fix.err")"
grep -q "sharemark init --owner" "$work/nf-fix.err" || fail "fix with an unknown repository does not point to sharemark init: $(cat "$work/nf-fix.err")"
"$bin" lookup "$id" "$n" > "$work/nf-lookup.txt" || fail "lookup with an unknown repository failed"
"$bin" lookup --json "$id" "$n" > "$work/nf-lookup.json" || fail "lookup --json with an unknown repository failed"
python3 - "$n" "$page" "$work/nf-lookup.txt" "$work/nf-lookup.json" <<'PY' || fail "lookup with an unknown repository"
import json, sys
from e2e_fix import entries
archive, page, text_path, json_path = sys.argv[1:]
entry = next(e for e in entries(archive) if e["path"] == page)
text = open(text_path, encoding="utf-8").read()
for host in ("github.com", "jsdelivr"):
    assert host not in text, f"lookup invented a URL ({host}): {text}"
assert entry["title"] in text and page in text, f"lookup does not show the title and page path: {text}"
def strings(x):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)
    elif isinstance(x, str):
        yield x
values = list(strings(json.load(open(json_path))))
invented = [v for v in values if "github.com" in v or "jsdelivr" in v]
assert not invented, f"lookup --json invented URLs: {invented}"
assert entry["title"] in values and page in values, f"lookup --json lacks the title or page path: {values}"
PY
python3 -c 'import e2e_fix, json, sys; json.dump(e2e_fix.tree(sys.argv[1]), open(sys.argv[2], "w"))' "$work/nofooters-pristine" "$work/nf-before.json"
python3 - "$n" "$work/nf-before.json" <<'PY' || fail "fix or lookup changed the archive without a known repository"
import json, sys
from e2e_fix import *
change = tree_diff(json.load(open(sys.argv[2])), tree(sys.argv[1]))
assert not change, change
PY
echo "e2e-fix: no footers: fix exits 78 naming sharemark init; lookup shows title and path but no invented URL"

"$bin" init --owner example-org --repository mirror "$n" > "$work/nf-init.txt" 2>&1 || fail "init failed: $(cat "$work/nf-init.txt")"
"$bin" fix "$n" > "$work/nf-fix2.txt" 2>&1 || fail "fix after init failed: $(head -20 "$work/nf-fix2.txt")"
set +e
"$bin" verify --format json "$n" > "$work/nf-verify.json"; code=$?
set -e
[ "$code" -eq 0 ] || fail "verify after init and fix exited $code: $(head -c 2000 "$work/nf-verify.json")"
without=$(find "$n/pages" -name '*.md' -exec grep -L "example-org/mirror/blob/master" {} + | wc -l)
[ "$without" -eq 0 ] || fail "$without pages still have no footer naming example-org/mirror/blob/master"
python3 - "$n" "$work/nofooters-pristine" "$work/nf-verify.json" "$work/nf-ref" <<'PY' || fail "no footers: after init and fix"
import collections, json, sys
from e2e_fix import *
archive, pristine, verify_path, ref = sys.argv[1:]
report = json.load(open(verify_path))
assert report["errors"] == 0, report["errors"]
kinds = collections.Counter(f["kind"] for f in report["findings"])
assert "footer-missing" not in kinds, f"footer-missing after fix: {kinds['footer-missing']}"
assert set(kinds) <= {"original-url-missing"}, f"unexpected findings: {dict(kinds)}"
os.makedirs(ref)
es = entries(archive)
for n, e in enumerate(es):
    path = e["path"]
    old, new = read(pristine, path), read(archive, path)
    ol, nl = lines(old), lines(new)
    ops = [op for op in difflib.SequenceMatcher(None, ol, nl, autojunk=False).get_opcodes() if op[0] != "equal"]
    assert ops and all(op[0] == "insert" for op in ops), f"{path}: not a footer insertion:\n{show_diff(old, new, path)}"
    added = b"".join(b"".join(nl[j1:j2]) for _, _, _, j1, j2 in ops)
    assert mirror(path).encode() in added, f"{path}: the added footer lacks the mirror URL: {added!r}"
    assert image(path, "cdn").encode() in added or image(path, "blob").encode() in added, \
        f"{path}: the added footer links no QR image of the page: {added!r}"
    assert b"example-news.com" not in added, f"{path}: an original URL was invented: {added!r}"
    png = os.path.join(archive, path + ".png")
    assert os.path.exists(png), f"{path}: no PNG"
    out = os.path.join(ref, f"{n}.png")
    qrencode(mirror(path), out)
    assert pnm(png) == pnm(out), f"{path}: PNG pixels differ from qrencode's"
    if n % 50 == 0:
        assert zbar(png) == mirror(path), f"{path}: zbarimg reads {zbar(png)!r}"
PY
"$bin" fix --check "$n" > "$work/nf-check.txt" 2>&1 || fail "fix --check after init and fix: $(head -5 "$work/nf-check.txt")"
echo "e2e-fix: no footers: after init, fix gives every page a footer (no original line) and a PNG that decodes to its URL"
echo "e2e-fix: OK"
