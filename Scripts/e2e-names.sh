#!/usr/bin/env bash
# End-to-end checks of pages whose file names are not URL-safe (archive-format.md, "File names
# that are not URL-safe"): a copy of Assets/demo-archive gets a category pages/qs/ of pages named
# `?p=4411.md`, `8812?lang=b5.md`, `a#b.md` (footers printing the raw, broken URL, no PNG) and
# `50%off.md`, `with space.md`, `中文頁.md`, `a&b=c.md` (footers already percent-encoded, PNGs
# made by qrencode). Then: lookup finds each page by its id, category/id, mirror URL (raw and
# encoded) and original URL (same path, different queries); verify reports `link-opens-folder`
# for the raw footers (not `footer-missing`) and nothing for the encoded ones; fix rewrites
# exactly the raw footers' URLs to the encoded form and writes PNGs that zbarimg reads as the
# encoded mirror URL; verify is then clean; regen --all keeps the PNGs right; a live `serve`
# answers /v1/articles/qs/<percent-encoded id> and its qr.png.
# Encoding: every ASCII byte but letters, digits and -._~/!$()*+,;=:@ becomes %XX (uppercase);
# non-ASCII characters are kept raw, as these footers write them.
# Usage: Scripts/e2e-names.sh   (SHAREMARK=path picks another binary)
set -euo pipefail
# shellcheck source=Scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"
fail() { echo "e2e-names: FAIL: $*" >&2; exit 1; }
say() { echo "e2e-names: $*"; }
for tool in qrencode zbarimg python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (Scripts/bootstrap.sh)"
done

a=$work/archive
cp -a Assets/demo-archive "$a"
rm -rf "$a/.sharemark"

# Helpers (imported as e2e_names): the planted pages, the encoding oracle, URLs, zbarimg.
cat > "$work/e2e_names.py" <<'PY'
import difflib, json, os, subprocess, urllib.parse

OWNER, REPO, BRANCH = "example-org", "mirror", "master"
CATEGORY = "qs"
SAFE = "/!$()*+,;=:@"  # with letters, digits and -._~ (always kept by quote)

# file name, original URL (one path, distinct queries), footer written raw (the broken form)?
PAGES = [
    ("?p=4411.md", "https://www.example-tv.com/gb/?p=4411", True),
    ("8812?lang=b5.md", "https://www.example-tv.com/gb/?p=8812&lang=b5", True),
    ("a#b.md", "https://www.example-tv.com/gb/?p=5001", True),
    ("50%off.md", "https://www.example-tv.com/gb/?p=5002", False),
    ("with space.md", "https://www.example-tv.com/gb/?p=5003", False),
    ("中文頁.md", "https://www.example-tv.com/gb/?p=5004", False),
    ("a&b=c.md", "https://www.example-tv.com/gb/?p=5005&x=1", False),
]
RAW = [p for p in PAGES if p[2]]
ENCODED = [p for p in PAGES if not p[2]]


def page_path(name):
    return f"pages/{CATEGORY}/{name}"


def ident(name):
    return name[:-3]


def title(name):
    return "查询页面 " + ident(name)


def encode(path):
    """The contract's encoding: ASCII through quote(safe=SAFE), non-ASCII kept raw."""
    return "".join(urllib.parse.quote(c, safe=SAFE) if ord(c) < 128 else c for c in path)


def mirror(path, raw=False):
    return f"https://github.com/{OWNER}/{REPO}/blob/{BRANCH}/" + (path if raw else encode(path))


def cdn(path, raw=False):
    return f"https://cdn.jsdelivr.net/gh/{OWNER}/{REPO}/" + (path + ".png" if raw else encode(path + ".png"))


def footer_template(archive):
    """The footer lines of a demo page, with {M} {I} {O} in place of its URLs."""
    demo = "pages/butongdeshengyin/n10000056.md"
    ls = open(os.path.join(archive, demo), encoding="utf-8").read().splitlines(keepends=True)
    m, i = mirror(demo), cdn(demo)
    p = next(n for n, l in enumerate(ls) if l.rstrip("\n").removesuffix(" <br/>") == m)
    assert ls[p - 2].strip() == "<hr/>" and m in ls[p + 1] and i in ls[p + 1], ls[p - 2:p + 3]
    o = "https://www.example-news.com/gb/14/8/13/n10000056.htm"
    assert ls[p + 2].rstrip("\n").endswith(o), ls[p + 2]
    t = ls[p - 2:p + 3]
    t[2] = t[2].replace(m, "{M}")
    t[3] = t[3].replace(i, "{I}").replace(m, "{M}")
    t[4] = t[4].replace(o, "{O}")
    return "".join(t)


def page_text(template, name, original, raw):
    path = page_path(name)
    foot = template.replace("{M}", mirror(path, raw)).replace("{I}", cdn(path, raw)).replace("{O}", original)
    return (f"### {title(name)}\n------------------------\n\n"
            f"<div><p>\n 这是文件名 {ident(name)} 的测试页面，正文一段。\n</p>\n</div>\n"
            + foot + "\n\n------------------------\n")


def zbar(png):
    r = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True)
    return r.stdout.decode("utf-8", "replace").rstrip("\n") if r.returncode == 0 else None


def show_diff(a, b, name, limit=16):
    la, lb = a.decode("utf-8", "replace").splitlines(True), b.decode("utf-8", "replace").splitlines(True)
    diff = list(difflib.unified_diff(la, lb, "expected/" + name, "actual/" + name, n=0))
    return "".join(diff[:limit]) + ("...\n" if len(diff) > limit else "")


def findings(path):
    return json.load(open(path))["findings"]
PY
export PYTHONPATH=$work

# The oracle itself, against the examples of archive-format.md and the contract.
python3 - <<'PY' || fail "the encoding oracle of this script is wrong"
from e2e_names import *
want = {"pages/qs/?p=4411.md": "pages/qs/%3Fp=4411.md", "pages/qs/8812?lang=b5.md": "pages/qs/8812%3Flang=b5.md",
        "pages/qs/a#b.md": "pages/qs/a%23b.md", "pages/qs/50%off.md": "pages/qs/50%25off.md",
        "pages/qs/with space.md": "pages/qs/with%20space.md", "pages/qs/中文頁.md": "pages/qs/中文頁.md",
        "pages/qs/a&b=c.md": "pages/qs/a%26b=c.md", "x/-._~!$()*+,;=:@'\t": "x/-._~!$()*+,;=:@%27%09"}
for k, v in want.items():
    assert encode(k) == v, (k, encode(k), v)
PY

# The archive: the demo pages, and the qs pages (raw ones without PNG, encoded ones with one).
python3 - "$a" <<'PY' || fail "making the test archive failed"
import subprocess, sys
from e2e_names import *
archive = sys.argv[1]
template = footer_template(archive)
os.makedirs(os.path.join(archive, "pages", CATEGORY))
with open(os.path.join(archive, "indexes", "names.csv"), "a", encoding="utf-8") as f:
    f.write(f"{CATEGORY},E查询\n")
for name, original, raw in PAGES:
    path = page_path(name)
    with open(os.path.join(archive, path), "w", encoding="utf-8", newline="\n") as f:
        f.write(page_text(template, name, original, raw))
    if not raw:
        subprocess.run(["qrencode", "-s", "4", "-o", os.path.join(archive, path + ".png"), mirror(path)], check=True)
PY
cp -a "$a" "$work/pristine"
say "archive: demo pages + pages/qs/ with 3 raw footers (?p=4411, 8812?lang=b5, a#b) and 4 encoded ones (50%off, with space, 中文頁, a&b=c)"

# 1. Index.
"$bin" index "$a" > "$work/index.txt" 2>&1 || fail "index failed: $(head -20 "$work/index.txt")"
say "index: $(head -1 "$work/index.txt")"

# 2. Lookups by every form: id, category/id, mirror URL (encoded; raw where the footer prints it
#    raw), original URL with its query. Each finds the page; the canonical URLs are encoded.
lookups() {  # $1 = label (before fix / after fix)
  python3 - "$bin" "$a" "$1" <<'PY'
import subprocess, sys
from e2e_names import *
bin, archive, label = sys.argv[1:]
problems, n = [], 0
for name, original, raw in PAGES:
    path = page_path(name)
    queries = [("id", ident(name)), ("category/id", f"{CATEGORY}/{ident(name)}"),
               ("encoded mirror URL", mirror(path)), ("original URL", original)]
    if raw:
        queries.append(("raw mirror URL", mirror(path, raw=True)))
    for form, q in queries:
        n += 1
        r = subprocess.run([bin, "lookup", "--json", q, archive], capture_output=True)
        out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
        if r.returncode != 0:
            try:  # ambiguous: the candidates, by page path
                detail = "candidates " + ", ".join(repr(c.get("pagePath")) for c in json.loads(out))
            except (ValueError, AttributeError, TypeError):
                detail = (out + err).strip()[:300]
            problems.append(f"lookup {form} {q!r}: exit {r.returncode}: {detail}")
            continue
        try:
            doc = json.loads(out)
        except ValueError as e:
            problems.append(f"lookup --json {form} {q!r}: not JSON ({e}): {out[:200]!r}")
            continue
        if doc.get("pagePath") != path:
            problems.append(f"lookup {form} {q!r}: pagePath {doc.get('pagePath')!r}, not {path!r}")
            continue
        wrong = [f"{key} {doc[key]!r}, not {want!r}" for key, want in
                 (("canonicalMirrorURL", mirror(path)), ("canonicalQRImageURL", cdn(path))) if key in doc and doc[key] != want]
        if wrong:
            problems.append(f"lookup {form} {q!r}: " + "; ".join(wrong))
if problems:
    print(f"{len(problems)} of {n} lookups ({label}) wrong:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print(n)
PY
}
out=$(lookups "before fix") || fail "lookup: $out"
say "lookup (before fix): all $out queries (id, category/id, raw and encoded mirror URL, original URL with query) find the right page, canonical URLs encoded"

# 3. verify: the raw footers open the folder (not footer-missing); the encoded pages are clean.
set +e
"$bin" verify --format json "$a" > "$work/verify1.json" 2> "$work/verify1.err"; code=$?
set -e
[ "$code" -le 1 ] || fail "verify exited $code: $(head -c 2000 "$work/verify1.err")"
python3 - "$work/verify1.json" <<'PY' || fail "verify before fix"
import sys
from e2e_names import *
fs = findings(sys.argv[1])
problems = []
for name, _, raw in PAGES:
    path = page_path(name)
    mine = [f for f in fs if f.get("file") in (path, path + ".png")]
    kinds = sorted(f["kind"] for f in mine)
    if raw:
        folder = [f for f in mine if f["kind"] == "link-opens-folder"]
        if not folder:
            problems.append(f"{path}: no link-opens-folder finding (findings: {kinds})")
        elif not all("opens the folder" in f.get("message", "") for f in folder):
            problems.append(f"{path}: link-opens-folder message lacks 'opens the folder': {folder[0].get('message')!r}")
        if "footer-missing" in kinds:
            problems.append(f"{path}: reported footer-missing (findings: {kinds})")
    elif mine:
        problems.append(f"{path}: encoded page not clean: " + "; ".join(f"{f['kind']}: {f.get('message')}" for f in mine))
assert not problems, "\n  " + "\n  ".join(problems)
PY
say "verify: link-opens-folder on the 3 raw footers (none footer-missing); the 4 encoded pages clean"

# 4. fix: exactly the raw footers' URL lines change, to the encoded form; their PNGs are written
#    and decode to the encoded mirror URL; the encoded pages stay as they were.
"$bin" fix "$a" > "$work/fix.txt" 2>&1 || fail "fix exited non-zero: $(head -20 "$work/fix.txt")"
python3 - "$a" "$work/pristine" <<'PY' || fail "fix"
import sys
from e2e_names import *
archive, pristine = sys.argv[1:]
template = footer_template(pristine)
problems = []
for name, original, raw in PAGES:
    path = page_path(name)
    before = open(os.path.join(pristine, path), "rb").read()
    after = open(os.path.join(archive, path), "rb").read()
    want = page_text(template, name, original, False).encode()
    if after != want:
        problems.append(f"{path}: not the page with its footer URLs encoded (expected vs actual):\n{show_diff(want, after, path)}")
    if raw:
        changed = [i for i, (x, y) in enumerate(zip(before.splitlines(), want.splitlines())) if x != y]
        assert len(changed) == 2 and len(before.splitlines()) == len(want.splitlines()), (path, changed)
    png = os.path.join(archive, path + ".png")
    if not os.path.exists(png):
        problems.append(f"{path}.png: not written")
    elif zbar(png) != mirror(path):
        problems.append(f"{path}.png: zbarimg reads {zbar(png)!r}, not {mirror(path)!r}")
assert not problems, "\n  " + "\n  ".join(problems)
PY
say "fix: the 3 raw footers now print, link and image-link the encoded URLs (only those 2 lines changed); PNGs decode to the encoded mirror URL; encoded pages unchanged ($(head -1 "$work/fix.txt"))"

# 5. verify after fix: no error anywhere, nothing about the qs pages.
set +e
"$bin" verify --format json "$a" > "$work/verify2.json" 2> "$work/verify2.err"; code=$?
set -e
python3 - "$work/verify2.json" "$code" <<'PY' || fail "verify after fix"
import sys
from e2e_names import *
doc = json.load(open(sys.argv[1]))
mine = [f for f in doc["findings"] if f.get("file", "").startswith(f"pages/{CATEGORY}/")]
assert not mine, "findings on the qs pages after fix:\n  " + "\n  ".join(f"{f['file']}: {f['kind']}: {f.get('message')}" for f in mine)
errors = [f for f in doc["findings"] if f.get("severity") == "error"]
assert doc["errors"] == 0 and not errors, f"{doc['errors']} errors after fix: {[(f['file'], f['kind']) for f in errors][:10]}"
assert sys.argv[2] == "0", f"verify exited {sys.argv[2]} with no error"
PY
say "verify after fix: exit 0, no error, no finding on the qs pages"

# 6. regen --all rewrites every PNG; the qs PNGs still decode to the encoded mirror URL.
"$bin" regen --all "$a" > "$work/regen.txt" 2>&1 || fail "regen --all failed: $(head -20 "$work/regen.txt")"
python3 - "$a" <<'PY' || fail "regen --all"
import sys
from e2e_names import *
bad = [f"{page_path(n)}.png reads {zbar(os.path.join(sys.argv[1], page_path(n) + '.png'))!r}, not {mirror(page_path(n))!r}"
       for n, _, _ in PAGES if zbar(os.path.join(sys.argv[1], page_path(n) + ".png")) != mirror(page_path(n))]
assert not bad, "\n  " + "\n  ".join(bad)
PY
out=$(lookups "after fix") || fail "lookup after fix: $out"
say "regen --all: the 7 qs PNGs decode to the encoded mirror URL; lookup still finds all $out queries"

# 7. The service: /v1/articles/qs/<percent-encoded id> and its qr.png.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
up() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5).read()' "http://127.0.0.1:$port/healthz" 2>/dev/null; }
"$bin" serve "$a" --host 127.0.0.1 --port "$port" > "$work/serve.log" 2>&1 & server=$!
for _ in $(seq 1 200); do
  up && break
  kill -0 "$server" 2>/dev/null || fail "serve exited: $(tail -20 "$work/serve.log")"
  sleep 0.1
done
up || fail "serve did not come up: $(tail -20 "$work/serve.log")"
python3 - "$port" "$work" <<'PY' || fail "serve"
import http.client, sys, urllib.parse
from e2e_names import *
port, work = int(sys.argv[1]), sys.argv[2]
problems = []
for n, (name, original, _) in enumerate(PAGES):
    path, i = page_path(name), ident(name)
    url = f"/v1/articles/{CATEGORY}/" + urllib.parse.quote(i, safe="")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", url)
    r = conn.getresponse(); body = r.read()
    if r.status != 200:
        problems.append(f"GET {url}: HTTP {r.status} {body[:200]!r}")
    else:
        try:
            doc = json.loads(body)
        except ValueError as e:
            doc = None
            problems.append(f"GET {url}: not JSON ({e}): {body[:200]!r}")
        if doc is not None:
            want = {"category": CATEGORY, "id": i, "mirrorURL": mirror(path), "canonicalMirrorURL": mirror(path),
                    "qrImageURL": cdn(path), "originalURL": original}
            wrong = {k: doc.get(k) for k, v in want.items() if (k in doc or k in ("category", "id")) and doc.get(k) != v}
            if wrong:
                problems.append(f"GET {url}: {wrong} (expected {({k: want[k] for k in wrong})})")
    conn.request("GET", url + "/qr.png")
    r = conn.getresponse(); body = r.read()
    conn.close()
    if r.status != 200:
        problems.append(f"GET {url}/qr.png: HTTP {r.status} {body[:200]!r}")
        continue
    png = os.path.join(work, f"served-{n}.png")
    open(png, "wb").write(body)
    if zbar(png) != mirror(path):
        problems.append(f"GET {url}/qr.png: zbarimg reads {zbar(png)!r}, not {mirror(path)!r}")
assert not problems, "\n  " + "\n  ".join(problems)
PY
kill -0 "$server" 2>/dev/null || fail "serve died: $(tail -20 "$work/serve.log")"
say "serve: /v1/articles/qs/<percent-encoded id> answers 200 with the right page for all 7, and its qr.png decodes to the encoded mirror URL"
echo "e2e-names: all checks passed"
