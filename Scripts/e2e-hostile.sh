#!/usr/bin/env bash
# End-to-end checks that an archive is treated as untrusted input: pages come from pull requests,
# and neither a footer's QR image link nor a symbolic link planted in the archive decides which
# file Sharemark writes. A page's own asset is `<page>.png`, a real file beside it; nothing else
# is Sharemark's to write, and nothing outside the archive (or in its .git) ever is.
#
# The demo archive, its own faults repaired first, is made a git repository, and hostile cases
# are planted, each on its own page (an existing page with only its footer's QR image link src
# edited) or in the file system:
#   a  a footer image naming .git/HEAD
#   b  a folder link pages/gitlink -> ../.git and a footer image naming pages/gitlink/config
#   c  a footer image naming another page's .md
#   d  a footer image naming another page's PNG (which must stay byte-identical)
#   e  a footer image naming README.md
#   f  a footer image naming README.md through an encoded traversal (%2e%2e)
#   g  a folder link pages/outlink -> OUTSIDE and a footer image naming pages/outlink/victim.txt
#      (OUTSIDE also holds a page and a PNG that look like an archive's, reachable through it)
#   g2 a category folder that is a link, pages/evilcat -> OUTSIDE, holding the page x.md
#   h1 a page's PNG that is a link to ../../README.md
#   h2 a page's PNG that is a link to OUTSIDE/victim.txt
# Then regen, regen --all, regen --stale, fix and fix --remove-orphans run in turn (any exit code
# is accepted): after each, every file and link of the archive and of OUTSIDE must be as before
# (page PNGs excepted: real files beside their real pages may be written), and no PNG or
# temporary file may appear in OUTSIDE or .git. Finally verify, on a fresh copy of the planted
# archive, must exit non-zero and name every planted page in a finding.
# SHAREMARK=path picks another binary.
set -euo pipefail
# shellcheck source=Scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"
fail() { echo "e2e-hostile: FAIL: $*" >&2; exit 1; }
command -v git >/dev/null || fail "git is not installed"

a=$work/archive
outside=$work/outside

# Helpers (imported as e2e_hostile): the cases, the manifest and its comparison.
cat > "$work/e2e_hostile.py" <<'PY'
import hashlib, json, os, re

OWNER, REPO, BRANCH = "example-org", "mirror", "master"
CDN = f"https://cdn.jsdelivr.net/gh/{OWNER}/{REPO}/"


def mirror(path):
    return f"https://github.com/{OWNER}/{REPO}/blob/{BRANCH}/{path}"


# case: (planted page, what its footer image link names (None: not edited), summary label,
#        the manifest keys it aims at)
CASES = {
    "a": ("pages/world/n10000095.md", ".git/HEAD", ".git/HEAD via footer", ["archive/.git/HEAD"]),
    "b": ("pages/culture/n10000098.md", "pages/gitlink/config", ".git/config via footer and pages/gitlink -> ../.git",
          ["archive/.git/config", "archive/pages/gitlink"]),
    "c": ("pages/nsc418/n10000106.md", "pages/world/n10000015.md", "another page's .md via footer",
          ["archive/pages/world/n10000015.md"]),
    "d": ("pages/world/n10000114.md", "pages/world/n10000038.md.png", "another page's PNG via footer",
          ["archive/pages/world/n10000038.md.png"]),
    "e": ("pages/china/n10000125.md", "README.md", "README.md via footer", ["archive/README.md"]),
    "f": ("pages/china/n10000128.md", "pages/world/%2e%2e/%2e%2e/README.md", "README.md via %2e%2e traversal in footer",
          ["archive/README.md"]),
    "g": ("pages/world/n10000176.md", "pages/outlink/victim.txt", "outside victim.txt via footer and pages/outlink -> outside",
          ["outside/victim.txt", "outside/existing.md", "outside/existing.md.png", "archive/pages/outlink"]),
    "g2": ("pages/evilcat/x.md", None, "page in a linked category folder pages/evilcat -> outside",
           ["outside/x.md", "outside/x.md.png", "archive/pages/evilcat"]),
    "h1": ("pages/butongdeshengyin/n10000194.md", None, "page PNG linked to ../../README.md",
           ["archive/pages/butongdeshengyin/n10000194.md.png", "archive/README.md"]),
    "h2": ("pages/nsc418/n10000196.md", None, "page PNG linked to outside victim.txt",
           ["archive/pages/nsc418/n10000196.md.png", "outside/victim.txt"]),
}
# The one page PNG that is kept in the manifest although its page is real: case d's target.
KEPT_PNG = "pages/world/n10000038.md.png"
PAGE_PNG = re.compile(r"^pages/[^/]+/[^/]+\.md\.png$")


def sha1(path):
    return hashlib.sha1(open(path, "rb").read()).hexdigest()


def walk(root, prefix, skip_top=()):
    """Every regular file ('file:<sha1>') and link ('link:<target>') under root, by prefix/relative
    path, links never followed; other kinds by their type."""
    out = {}
    for folder, dirs, files in os.walk(root):
        if folder == root:
            for s in skip_top:
                if s in dirs:
                    dirs.remove(s)
        for name in sorted(dirs + files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                out[f"{prefix}/{rel}"] = "link:" + os.readlink(path)
            elif os.path.isfile(path):
                out[f"{prefix}/{rel}"] = "file:" + sha1(path)
            elif not os.path.isdir(path):
                out[f"{prefix}/{rel}"] = f"other:{st.st_mode:o}"
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    return out


def is_written_page_png(archive, rel):
    """A real PNG beside its real page: the one kind of file Sharemark may write."""
    if not PAGE_PNG.match(rel) or rel == KEPT_PNG:
        return False
    png, page = os.path.join(archive, rel), os.path.join(archive, rel[:-4])
    return (not os.path.islink(png) and os.path.isfile(png)
            and not os.path.islink(os.path.dirname(png)) and not os.path.islink(page) and os.path.isfile(page))


def manifest(archive, outside):
    planted = {p for p, *_ in CASES.values()}
    out = {}
    for key, value in walk(archive, "archive", skip_top=(".sharemark",)).items():
        rel = key[len("archive/"):]
        if value.startswith("file:") and (rel in planted or is_written_page_png(archive, rel)):
            continue
        out[key] = value
    out.update(walk(outside, "outside"))
    return out


def names(archive, outside):
    """Every name under OUTSIDE and the archive's .git (links not followed)."""
    found = set(walk(outside, "outside"))
    found |= set(walk(os.path.join(archive, ".git"), "archive/.git"))
    return found


def aimed_by(key):
    cases = [c for c, (_, _, _, keys) in CASES.items() if key in keys]
    return f" (aimed at by {', '.join(cases)})" if cases else ""
PY
export PYTHONPATH=$work

# 1. The archive as a git repository (so .git/HEAD and .git/config exist), and a folder outside it.
#    The demo archive's own faults (old repository name, other image link form, no footer, an
#    orphan PNG) are repaired first, so that a later fix has nothing to do but on planted pages.
cp -a Assets/demo-archive "$a"
"$bin" fix --remove-orphans "$a" > "$work/fix-demo.txt" 2>&1 || fail "fix of the demo archive: $(head -5 "$work/fix-demo.txt")"
"$bin" fix --check "$a" > "$work/check-demo.txt" 2>&1 || fail "fix --check after fixing the demo archive: $(head -5 "$work/check-demo.txt")"
rm -rf "$a/.sharemark"
git -C "$a" init -q
git -C "$a" add -A
git -C "$a" -c user.name=e2e-hostile -c user.email=e2e-hostile@example.invalid -c commit.gpgsign=false \
  commit -q -m "demo archive"
[ -f "$a/.git/HEAD" ] && [ -f "$a/.git/config" ] || fail "git init made no .git/HEAD or .git/config"
mkdir "$outside"
echo "not the archive's: must never be written" > "$outside/victim.txt"

# 2. Plant the cases.
python3 - "$a" "$outside" <<'PY' || fail "planting the hostile cases"
import shutil, sys
from e2e_hostile import *
archive, outside = sys.argv[1:]


def read(path):
    return open(os.path.join(archive, path), "rb").read()


def moved(data, old, new):
    """A page's text with its own path replaced by another's (all its URLs name the new path)."""
    assert data.count(old.encode()) >= 3, (old, data.count(old.encode()))
    return data.replace(old.encode(), new.encode())


# a-g: only the QR image link's src of the page's footer is edited.
for case, (page, target, _, _) in CASES.items():
    if target is None:
        continue
    data = read(page)
    own = (CDN + page + ".png").encode()
    assert data.count(own) == 1 and data.count(mirror(page).encode()) == 2, f"{page}: not a canonical CDN footer"
    edited = data.replace(b"src='" + own + b"'", b"src='" + (CDN + target).encode() + b"'")
    assert edited != data and edited.count(own) == 0, f"{page}: the image link was not edited"
    assert os.path.isfile(os.path.join(archive, page + ".png")), f"{page}: no PNG to start with"
    open(os.path.join(archive, page), "wb").write(edited)

# b, g, g2: folder links (one into .git, two out of the archive).
os.symlink("../.git", os.path.join(archive, "pages/gitlink"))
os.symlink(outside, os.path.join(archive, "pages/outlink"))
os.symlink(outside, os.path.join(archive, "pages/evilcat"))
# OUTSIDE, seen through pages/outlink and pages/evilcat, holds what looks like an archive's pages:
# existing.md with a (stale) existing.md.png, and x.md with no PNG (case g2).
data = read("pages/tech/n10000267.md")
open(os.path.join(outside, "existing.md"), "wb").write(moved(data, "pages/tech/n10000267.md", "pages/outlink/existing.md"))
shutil.copyfile(os.path.join(archive, "pages/tech/n10000267.md.png"), os.path.join(outside, "existing.md.png"))
data = read("pages/tech/n10000204.md")
open(os.path.join(outside, "x.md"), "wb").write(moved(data, "pages/tech/n10000204.md", "pages/evilcat/x.md"))
assert os.path.isfile(os.path.join(archive, "pages/evilcat/x.md"))

# h1, h2: a page's PNG replaced by a link.
for case, target in (("h1", "../../README.md"), ("h2", os.path.join(outside, "victim.txt"))):
    png = os.path.join(archive, CASES[case][0] + ".png")
    os.remove(png)
    os.symlink(target, png)
    assert open(png, "rb").read() == open(os.path.join(os.path.dirname(png), target), "rb").read()
PY
# The planted archive as it is now, for verify (step 5): before any command repaired anything.
cp -a "$a" "$work/planted"

# 3. The manifest.
python3 -c 'import json, sys, e2e_hostile as h; json.dump(h.manifest(sys.argv[1], sys.argv[2]), open(sys.argv[3], "w"))' \
  "$a" "$outside" "$work/manifest-0.json"
python3 -c 'import json, sys, e2e_hostile as h; json.dump(sorted(h.names(sys.argv[1], sys.argv[2])), open(sys.argv[3], "w"))' \
  "$a" "$outside" "$work/names-0.json"
python3 - "$work/manifest-0.json" <<'PY' || fail "the manifest"
import json, sys
from e2e_hostile import *
m = json.load(open(sys.argv[1]))
for case, (_, _, _, keys) in CASES.items():
    for key in keys:
        if key == "outside/x.md.png":
            assert key not in m, key
        else:
            assert key in m, f"case {case}: {key} is not in the manifest"
assert m["archive/pages/gitlink"] == "link:../.git" and m["archive/.git/HEAD"].startswith("file:")
PY

# 4. Each command in turn on the planted archive; any exit code is accepted.
failures=()
step=0
run() {
  local label code
  label=$(printf '%s ' "$@"); label=${label% }; label=${label//$a/ARCHIVE}
  step=$((step + 1))
  set +e
  "$bin" "$@" > "$work/cmd-$step.out" 2>&1; code=$?
  set -e
  local verdict
  verdict=$(python3 - "$a" "$outside" "$work/manifest-$((step - 1)).json" "$work/manifest-$step.json" \
    "$work/names-$((step - 1)).json" "$work/names-$step.json" "$label (exit $code)" <<'PY'
import json, sys
from e2e_hostile import *
archive, outside, before_path, after_path, names_path, new_names_path, label = sys.argv[1:]
before = json.load(open(before_path))
after = manifest(archive, outside)
json.dump(after, open(after_path, "w"))
problems = []
for key in sorted(before.keys() | after.keys()):
    if key not in after:
        problems.append(f"removed {key}{aimed_by(key)}")
    elif key not in before:
        problems.append(f"added {key} ({after[key][:5].rstrip(':')}){aimed_by(key)}")
    elif before[key] != after[key]:
        problems.append(f"changed {key} ({before[key][:45]} -> {after[key][:45]}){aimed_by(key)}")
old_names, new_names = set(json.load(open(names_path))), names(archive, outside)
json.dump(sorted(new_names), open(new_names_path, "w"))
for key in sorted(new_names - old_names):
    base = key.rsplit("/", 1)[-1]
    if base.endswith(".png") or ".sharemark-tmp-" in base:
        problems.append(f"appeared {key}{aimed_by(key)}")
for p in problems:
    print(f"{label}: {p}")
PY
  ) || fail "checking after $label: the check itself failed"
  if [ -n "$verdict" ]; then
    while IFS= read -r line; do failures+=("$line"); echo "e2e-hostile: FAIL: $line" >&2; done <<< "$verdict"
  else
    echo "e2e-hostile: $label (exit $code): nothing written but page PNGs"
  fi
}
# --png-style qrencode: the demo's PNGs are qrencode's, so a rewrite of case d's target by --all
# is byte-identical (the compact style would change its bytes legitimately).
run regen --png-style qrencode "$a"
run regen --all --png-style qrencode "$a"
run regen --stale --png-style qrencode "$a"
run fix "$a"
run fix --remove-orphans "$a"

# 5. verify, on the planted archive before any repair: non-zero, every planted page named.
set +e
"$bin" verify --format json "$work/planted" > "$work/verify.json" 2> "$work/verify.err"; code=$?
set -e
verdict=$(python3 - "$work/verify.json" "$code" <<'PY'
import json, sys
from e2e_hostile import *
path, code = sys.argv[1], int(sys.argv[2])
problems = []
try:
    report = json.load(open(path))
    findings = report["findings"]
except Exception as error:
    print(f"verify --format json printed no report ({error}): {open(path).read()[:500]!r}")
    sys.exit()
if code == 0:
    problems.append(f"verify exited 0 on the planted archive ({report.get('errors')} errors)")
texts = [(f.get("file") or "") + " " + (f.get("message") or "") for f in findings]
for case, (page, _, label, _) in CASES.items():
    # A page reachable only through a linked category folder may be named by its folder instead.
    wanted = [page] + (["pages/evilcat"] if case == "g2" else [])
    if not any(w in t for w in wanted for t in texts):
        kinds = sorted({f["kind"] for f in findings})
        problems.append(f"verify: no finding names {page} (case {case}: {label}); finding kinds: {kinds}")
for p in problems:
    print(p)
PY
) || fail "checking verify's report: the check itself failed"
if [ -n "$verdict" ]; then
  while IFS= read -r line; do failures+=("$line"); echo "e2e-hostile: FAIL: $line" >&2; done <<< "$verdict"
else
  echo "e2e-hostile: verify exits $code on the planted archive and names every planted page"
fi

if [ ${#failures[@]} -gt 0 ]; then
  fail "${#failures[@]} problem(s), listed above"
fi

# 6. One line per case.
python3 - <<'PY'
from e2e_hostile import CASES
for case, (page, _, label, _) in CASES.items():
    print(f"e2e-hostile: {label}: untouched ({page})")
print(f"e2e-hostile: all {len(CASES)} cases passed")
PY
