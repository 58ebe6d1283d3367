#!/usr/bin/env bash
# End-to-end checks of one service over a family of sibling archives (archive-format.md,
# "Renamed repository" and "Pages copied between sibling archives"). The test folder family/
# holds three archives, written here:
#   news/         example-org/news (sharemark.toml); two pages' footers still name the old
#                 repository name old-news (same owner); PNGs from qrencode.
#   periodicals/  example-org/periodicals (sharemark.toml); no share footer on its pages but one,
#                 a copy of an article news and banned also mirror.
#   banned/       example-org/banned (no sharemark.toml: named by its footers); copies of two news
#                 articles (same original URL, footers naming banned's own URLs), and one id in
#                 two categories.
# Checks, in order: `serve --archives family` lists the three archives (/v1/archives), answers
# each archive's article and qr.png routes (zbarimg reads the shareURL), /v1/lookup by id,
# category/id, current and old mirror URL, CDN and blob QR image URL and original URL (one
# result per archive), /s/ redirects (current and old name, 404 for unknown), /v1/search across
# and narrowed, the HTML page's archive <select>, per-archive /metrics and /healthz; a page
# added to banned and indexed is served without a restart; news's index deleted while serving
# makes /healthz degraded naming news while every archive keeps answering. Then the CLI:
# `lookup QUERY A B C` (text and --json; exit 0, 1, 2, 64), `fix` on news (footers moved to the
# current name, the old name recorded as `aliases` in sharemark.toml, every other line kept,
# old URLs still resolve), a service started on the three folders by path after the fix, and a
# single-archive service keeping the old /v1/articles route.
# Every wait is a bounded poll (at most 10 s, 0.1 s steps). Usage: Scripts/e2e-family.sh
# (SHAREMARK=path picks another binary).
set -euo pipefail
# shellcheck source=Scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"
fail() { echo "e2e-family: FAIL: $*" >&2; exit 1; }
say() { echo "e2e-family: $*"; }
for tool in qrencode zbarimg python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (Scripts/bootstrap.sh)"
done

# The test data and every check (run as `python3 e2e_family.py STEP`; E2E_FAMILY, E2E_WORK,
# E2E_PORT and E2E_BIN come from the environment). A check prints a one-line summary and exits 0,
# or prints what is wrong and exits 1.
cat > "$work/e2e_family.py" <<'PY'
import difflib, http.client, json, os, re, subprocess, sys, time, tomllib, urllib.parse

OWNER, BRANCH = "example-org", "master"
NEWS, PERIODICALS, BANNED = f"{OWNER}/news", f"{OWNER}/periodicals", f"{OWNER}/banned"
OLD_NEWS = "old-news"
FOLDERS = {"news": NEWS, "periodicals": PERIODICALS, "banned": BANNED}  # folder -> archive name
SHARED_ALL = "https://www.example-news.com/gb/21/5/20/n20000001.htm"   # mirrored in all three
SHARED_NB = "http://example-news.com/gb/2020/03/04/n20000002.html"     # in news and banned
# folder -> pages: (category, id, title, repository its footer names or None: no footer, original URL)
PAGES = {
    "news": [
        ("world", "n20000001", "三地同载的报道", "news", SHARED_ALL),
        ("world", "n20000002", "两地同载的报道", "news", SHARED_NB),
        ("world", "n20000005", "Harbor lights return to the bay", "news", "https://www.example-news.com/gb/22/1/9/n20000005.htm"),
        ("china", "n20000003", "旧名时代的新闻一", OLD_NEWS, "https://www.example-news.com/gb/19/7/1/n20000003.htm"),
        ("china", "n20000004", "旧名时代的新闻二", OLD_NEWS, "https://www.example-news.com/gb/19/7/2/n20000004.htm"),
        ("china", "n20000006", "现在的国内新闻", "news", "https://www.example-news.com/gb/22/2/3/n20000006.htm"),
    ],
    "periodicals": [
        ("essays", "p-harbor", "Harbor essays of the winter", None, None),
        ("essays", "p-spring", "春季随笔", None, None),
        ("essays", "painting", "Painting notes", None, None),
        ("reprint", "n20000001", "三地同载的报道", "periodicals", SHARED_ALL),
    ],
    "banned": [
        ("world", "n20000001", "三地同载的报道", "banned", SHARED_ALL),
        ("world", "n20000002", "两地同载的报道", "banned", SHARED_NB),
        ("world", "n30000009", "同号的国际报道", "banned", "https://www.example-news.com/gb/20/9/9/n30000009.htm"),
        ("china", "n30000009", "同号的国内报道", "banned", "https://www.example-news.com/gb/20/9/10/n30000009.htm"),
        ("china", "n30000010", "Harbor strike was banned", "banned", "https://www.example-news.com/gb/20/10/1/n30000010.htm"),
    ],
}
ADDED = ("world", "n30000100", "新增的报道 added later", "banned", "https://www.example-news.com/gb/23/4/5/n30000100.htm")
TOML = {  # banned has none
    "news": '# The news mirror.\nowner = "example-org"\nrepository = "news"\nbranch = "master"\n\n[qr]\nscale = 4\n',
    "periodicals": 'owner = "example-org"\nrepository = "periodicals"\n',
}
FAMILY = os.environ.get("E2E_FAMILY", "")
WORK = os.environ.get("E2E_WORK", "")
BIN = os.environ.get("E2E_BIN", "")
PORT = int(os.environ.get("E2E_PORT") or 0)


def repo_of(folder):
    return FOLDERS[folder].split("/")[1]


def mirror(repo, c, i):
    return f"https://github.com/{OWNER}/{repo}/blob/{BRANCH}/pages/{c}/{i}.md"


def cdn(repo, c, i):
    return f"https://cdn.jsdelivr.net/gh/{OWNER}/{repo}/pages/{c}/{i}.md.png"


def blob_image(repo, c, i):
    return mirror(repo, c, i) + ".png"


def date_of(original):
    y, m, d = re.search(r"/gb/(\d+)/(\d+)/(\d+)/", original).groups()
    return f"{int(y) + 2000 if len(y) == 2 else int(y):04d}-{int(m):02d}-{int(d):02d}"


def page_text(c, i, title, repo, original):
    nav = f"#### [首页](../../README.md)  &nbsp;&nbsp;|&nbsp;&nbsp; [{c}](../../indexes/{c}.md)\n"
    text = (f"### {title}\n------------------------\n\n{nav}\n\n"
            f"<div><p>\n {title}：正文第一段，{i}。\n</p>\n<p>\n 正文第二段。\n</p>\n</div>\n")
    if repo is not None:
        m = mirror(repo, c, i)
        text += ("<hr/>\n手机上长按并复制下列链接或二维码分享本文章：<br/>\n"
                 f"{m} <br/>\n<a href='{m}'><img src='{cdn(repo, c, i)}'/></a> <br/>\n"
                 f"原文地址（需翻墙访问）：{original}\n")
    return text + f"\n\n------------------------\n{nav}"


def write_page(archive, page):
    c, i, title, repo, original = page
    os.makedirs(os.path.join(archive, "pages", c), exist_ok=True)
    path = os.path.join(archive, "pages", c, i + ".md")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(page_text(c, i, title, repo, original))
    if repo is not None:  # the old pipeline's PNG: the footer's own mirror URL
        subprocess.run(["qrencode", "-s", "4", "-o", path + ".png", mirror(repo, c, i)], check=True)


def make_family():
    for folder, pages in PAGES.items():
        archive = os.path.join(FAMILY, folder)
        os.makedirs(os.path.join(archive, "indexes"))
        with open(os.path.join(archive, "README.md"), "w", encoding="utf-8") as f:
            f.write(f"# {folder}\n")
        with open(os.path.join(archive, "indexes", "names.csv"), "w", encoding="utf-8") as f:
            f.write("".join(f"{c},{c.upper()}\n" for c in sorted({p[0] for p in pages})))
        for page in pages:
            write_page(archive, page)
        if folder in TOML:
            with open(os.path.join(archive, "sharemark.toml"), "w", encoding="utf-8") as f:
                f.write(TOML[folder])


def find_page(folder, c, i):
    for p in PAGES[folder] + ([ADDED] if folder == "banned" else []):
        if p[0] == c and p[1] == i:
            return p
    raise KeyError((folder, c, i))


def counts(folder):
    """(pages, PNGs) on disk."""
    md = png = 0
    for _, _, files in os.walk(os.path.join(FAMILY, folder, "pages")):
        md += sum(f.endswith(".md") for f in files)
        png += sum(f.endswith(".png") for f in files)
    return md, png


def zbar(png):
    r = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True)
    return r.stdout.decode("utf-8", "replace").rstrip("\n") if r.returncode == 0 else None


# --- HTTP ---------------------------------------------------------------------------------

class Problem(Exception):
    pass


def q(text):
    return urllib.parse.quote(text, safe="")


TIMED_OUT = []  # once a request timed out, the others of the step fail at once (the run stays bounded)


def get(path, timeout=5):
    if TIMED_OUT:
        raise Problem(f"GET {path}: not sent, {TIMED_OUT[0]} timed out")
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    except TimeoutError as e:
        TIMED_OUT.append(path)
        raise Problem(f"GET {path}: no answer within {timeout} s ({e})")
    except (OSError, http.client.HTTPException) as e:
        raise Problem(f"GET {path}: {type(e).__name__}: {e}")
    finally:
        conn.close()


def short(body, n=300):
    return body[:n].decode("utf-8", "replace")


def get_json(path, want=200):
    status, _, body = get(path)
    if status != want:
        raise Problem(f"GET {path}: HTTP {status}, not {want}: {short(body)}")
    try:
        return json.loads(body)
    except ValueError as e:
        raise Problem(f"GET {path}: not JSON ({e}): {short(body)}")


def want_status(path, want):
    status, headers, body = get(path)
    if status != want:
        raise Problem(f"GET {path}: HTTP {status}, not {want}: {short(body)}")
    return headers, body


def article_route(name, c, i):
    return f"/v1/archives/{name}/articles/{q(c)}/{q(i)}"


def poll(what, attempt, seconds=10.0):
    """Calls attempt() every 0.1 s until it returns a true value (returned with the time taken)
    or `seconds` have passed (Problem, with the last reason attempt gave via Problem)."""
    start = time.monotonic()
    last = "no answer"
    while True:
        try:
            result = attempt()
            if result:
                return result, time.monotonic() - start
        except Problem as e:
            last = str(e)
        if time.monotonic() - start > seconds:
            raise Problem(f"{what}: not within {seconds:.0f} s; last: {last}")
        time.sleep(0.1)


class Checks:
    def __init__(self):
        self.problems = []

    def expect(self, ok, message):
        if not ok:
            self.problems.append(message)
        return ok

    def attempt(self, fn, *args):
        """Runs one check, recording a Problem instead of stopping."""
        try:
            return fn(*args)
        except Problem as e:
            self.problems.append(str(e))
            return None


# --- shared checks -------------------------------------------------------------------------

def check_archives(c, order):
    """/v1/archives: the archives in `order` (folders), with their page and PNG counts."""
    doc = get_json("/v1/archives")
    arcs = doc.get("archives") if isinstance(doc, dict) else None
    if not isinstance(arcs, list):
        raise Problem(f"/v1/archives: no list 'archives': {json.dumps(doc)[:300]}")
    names = [a.get("name") for a in arcs]
    want = [FOLDERS[f] for f in order]
    if not c.expect(names == want, f"/v1/archives names {names}, not {want}"):
        return arcs
    for folder, a in zip(order, arcs):
        md, png = counts(folder)
        name = FOLDERS[folder]
        wrong = []
        if a.get("repository") not in (name, repo_of(folder)):
            wrong.append(f"repository {a.get('repository')!r}")
        if a.get("branch") != BRANCH:
            wrong.append(f"branch {a.get('branch')!r}")
        if not isinstance(a.get("aliases"), list):
            wrong.append(f"aliases {a.get('aliases')!r} (not a list)")
        if a.get("pages") != md:
            wrong.append(f"pages {a.get('pages')!r}, not {md}")
        if a.get("pngs") != png:
            wrong.append(f"pngs {a.get('pngs')!r}, not {png}")
        if "indexTime" not in a:
            wrong.append("no indexTime")
        if a.get("status") != "ok" or a.get("error"):
            wrong.append(f"status {a.get('status')!r} error {a.get('error')!r}")
        c.expect(not wrong, f"/v1/archives {name}: " + "; ".join(wrong))
    return arcs


def check_article(c, folder, cat, i, qr=True):
    """The archive's article route answers the page (and its qr.png encodes the shareURL)."""
    _, _, title, repo, original = find_page(folder, cat, i)
    name = FOLDERS[folder]
    path = article_route(name, cat, i)
    doc = get_json(path)
    canonical = mirror(repo_of(folder), cat, i)
    want = {"title": title, "category": cat, "id": i, "canonicalMirrorURL": canonical, "shareURL": canonical}
    if repo is not None:
        want.update(mirrorURL=mirror(repo, cat, i), qrImageURL=cdn(repo, cat, i), originalURL=original,
                    date=date_of(original))
    else:
        c.expect(doc.get("originalURL") is None, f"GET {path}: originalURL {doc.get('originalURL')!r} on a page without footer")
    wrong = {k: doc.get(k) for k, v in want.items() if doc.get(k) != v}
    c.expect(not wrong, f"GET {path}: {wrong} (expected {({k: want[k] for k in wrong})})")
    if not qr:
        return
    _, body = want_status(path + "/qr.png", 200)
    if not c.expect(body.startswith(b"\x89PNG\r\n\x1a\n"), f"GET {path}/qr.png: not a PNG: {body[:16]!r}"):
        return
    png = os.path.join(WORK, f"served-{folder}-{cat}-{i}.png")
    with open(png, "wb") as f:
        f.write(body)
    got = zbar(png)
    c.expect(got is not None and got == doc.get("shareURL"),
             f"GET {path}/qr.png: zbarimg reads {got!r}, not the shareURL {doc.get('shareURL')!r}")


def lookup_results(c, label, query, want=None, first=None, first_canonical=None):
    """GET /v1/lookup?q=query: 200, well-formed; the (archive, category, id) of its results equal
    `want` (a set) when given; the first is `first` (canonical=first_canonical) when given."""
    path = "/v1/lookup?q=" + q(query)
    doc = get_json(path)
    results = doc.get("results")
    if not isinstance(results, list):
        raise Problem(f"lookup {label} {query!r}: no list 'results': {json.dumps(doc, ensure_ascii=False)[:300]}")
    c.expect(doc.get("query") == query, f"lookup {label}: query {doc.get('query')!r}, not {query!r}")
    c.expect(doc.get("count") == len(results), f"lookup {label}: count {doc.get('count')!r}, {len(results)} results")
    got = []
    for r in results:
        a = r.get("article") or {}
        got.append((r.get("archive"), a.get("category"), a.get("id")))
        c.expect(a.get("archive") == r.get("archive"),
                 f"lookup {label}: result of {r.get('archive')!r} has article.archive {a.get('archive')!r}")
        c.expect(isinstance(r.get("canonical"), bool), f"lookup {label}: canonical {r.get('canonical')!r} is not a boolean")
    if want is not None:
        c.expect(set(got) == set(want) and len(got) == len(want), f"lookup {label} {query!r}: results {got}, not {sorted(want)}")
    if first is not None:
        if c.expect(got and got[0] == first, f"lookup {label} {query!r}: first result {got[:1]}, not {first}"):
            if first_canonical is not None:
                c.expect(results[0].get("canonical") is first_canonical,
                         f"lookup {label} {query!r}: first result canonical={results[0].get('canonical')!r}, not {first_canonical}")
    return doc


def check_redirect(c, path, location):
    status, headers, body = get(path)
    if c.expect(status == 302, f"GET {path}: HTTP {status}, not 302: {short(body)}"):
        c.expect(headers.get("location") == location, f"GET {path}: Location {headers.get('location')!r}, not {location!r}")


def check_not_found(c, path, problem_json=True):
    status, headers, body = get(path)
    if c.expect(status == 404, f"GET {path}: HTTP {status}, not 404: {short(body)}") and problem_json:
        c.expect("problem+json" in headers.get("content-type", ""),
                 f"GET {path}: 404 with Content-Type {headers.get('content-type')!r}, not application/problem+json")


def health():
    """(HTTP status, document) of /healthz (200 or 503 both carry the document)."""
    status, _, body = get("/healthz")
    try:
        return status, json.loads(body)
    except ValueError as e:
        raise Problem(f"/healthz: HTTP {status}, not JSON ({e}): {short(body)}")


def run(args, timeout=20):
    """(exit status, stdout, stderr) of the binary; a Problem (ending the step) when it hangs."""
    try:
        r = subprocess.run([BIN] + args, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Problem(f"sharemark {' '.join(args)}: still running after {timeout} s")
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


# --- steps ---------------------------------------------------------------------------------

def step_make():
    make_family()
    return "; ".join(f"{f}/ {counts(f)[0]} pages, {counts(f)[1]} PNGs" for f in FOLDERS)


def step_archives(c):
    check_archives(c, sorted(FOLDERS))
    return "3 archives in folder order (" + ", ".join(f"{FOLDERS[f]}: {counts(f)[0]} pages, {counts(f)[1]} PNGs"
                                                       for f in sorted(FOLDERS)) + ")"


ARTICLES = [("news", "world", "n20000005"), ("news", "world", "n20000001"), ("banned", "world", "n20000001"),
            ("banned", "china", "n30000010"), ("periodicals", "essays", "p-harbor"), ("periodicals", "reprint", "n20000001")]


def step_articles(c):
    for folder, cat, i in ARTICLES:
        c.attempt(check_article, c, folder, cat, i)
    check_not_found(c, "/v1/articles/world/n20000005")  # several archives: the old route is gone
    check_not_found(c, article_route(f"{OWNER}/nope", "world", "n20000005"))
    check_not_found(c, article_route(NEWS, "world", "n99999999"))
    return (f"{len(ARTICLES)} pages (a copied page in news and banned, a page without footer) answer under their "
            "archive's route, each qr.png decodes to its shareURL; /v1/articles/C/ID, an unknown archive and page are 404")


def step_lookup(c):
    n = 0
    for label, query, want, first, canonical in [
        ("by id", "n20000005", {(NEWS, "world", "n20000005")}, None, None),
        ("by category/id", "china/n20000006", {(NEWS, "china", "n20000006")}, None, None),
        ("by news's current mirror URL", mirror("news", "world", "n20000001"), None, (NEWS, "world", "n20000001"), True),
        ("by the old-name mirror URL", mirror(OLD_NEWS, "china", "n20000003"), {(NEWS, "china", "n20000003")}, None, None),
        ("by the old-name CDN image URL", cdn(OLD_NEWS, "china", "n20000004"), {(NEWS, "china", "n20000004")}, None, None),
        ("by CDN image URL", cdn("news", "world", "n20000005"), {(NEWS, "world", "n20000005")}, (NEWS, "world", "n20000005"), True),
        ("by blob image URL", blob_image("banned", "china", "n30000010"), {(BANNED, "china", "n30000010")}, (BANNED, "china", "n30000010"), True),
        ("by an original URL in three archives", SHARED_ALL,
         {(NEWS, "world", "n20000001"), (PERIODICALS, "reprint", "n20000001"), (BANNED, "world", "n20000001")}, None, None),
        ("by an original URL in two archives", SHARED_NB, {(NEWS, "world", "n20000002"), (BANNED, "world", "n20000002")}, None, None),
    ]:
        n += 1
        doc = c.attempt(lookup_results, c, label, query, want, first, canonical)
        if doc is None:
            continue
        results = doc.get("results") or []
        if label == "by news's current mirror URL":
            c.expect(all(r.get("canonical") is False for r in results[1:]),
                     f"lookup {label}: a result after the first is canonical: {[(r.get('archive'), r.get('canonical')) for r in results]}")
        if label in ("by the old-name mirror URL", "by the old-name CDN image URL") and results:
            a = results[0].get("article") or {}
            cat, i = a.get("category"), a.get("id")
            c.expect(a.get("canonicalMirrorURL") == mirror("news", cat, i),
                     f"lookup {label}: canonicalMirrorURL {a.get('canonicalMirrorURL')!r}, not the current name's")
    check_not_found(c, "/v1/lookup?q=n99999999")
    status, _, body = get("/v1/lookup?q=")
    c.expect(status == 400, f"GET /v1/lookup?q=: HTTP {status}, not 400: {short(body)}")
    # An id in two categories of banned: ambiguous there, with both candidates.
    doc = c.attempt(get_json, "/v1/lookup?q=n30000009")
    if doc is not None:
        amb = [a for a in doc.get("ambiguous") or [] if a.get("archive") == BANNED]
        c.expect(len(amb) == 1 and len(amb[0].get("candidates") or []) == 2,
                 f"lookup n30000009 (world/ and china/ in banned): ambiguous {json.dumps(doc.get('ambiguous'), ensure_ascii=False)[:300]}")
    return (f"{n} queries (id, category/id, current and old mirror URL, old and current CDN, blob image URL, "
            "original URL in 3 and in 2 archives) give the right results; current name first and canonical; "
            "404 for no match, 400 for empty q, an id in two categories listed as ambiguous")


def step_redirects(c):
    for path, location in [
        (f"/s/{NEWS}/world/n20000005", mirror("news", "world", "n20000005")),
        (f"/s/{OWNER}/{OLD_NEWS}/china/n20000003", mirror("news", "china", "n20000003")),
        (f"/s/{BANNED}/world/n20000001", mirror("banned", "world", "n20000001")),
        (f"/s/{PERIODICALS}/essays/p-harbor", mirror("periodicals", "essays", "p-harbor")),
    ]:
        check_redirect(c, path, location)
    for path in [f"/s/{OWNER}/nope/world/n20000005", f"/s/{NEWS}/world/n99999999", f"/s/other-org/news/world/n20000005"]:
        check_not_found(c, path, problem_json=False)
    return ("302 to the canonical mirror URL under the current name, the old name old-news, a copied page's own "
            "archive and a page without footer; 404 for an unknown archive, page and owner")


HARBOR = {(NEWS, "world", "n20000005"), (PERIODICALS, "essays", "p-harbor"), (BANNED, "china", "n30000010")}


def search(c, path, want):
    doc = get_json(path)
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list):
        raise Problem(f"GET {path}: no list 'results': {json.dumps(doc, ensure_ascii=False)[:300]}")
    got = [(r.get("archive"), r.get("category"), r.get("id")) for r in results]
    c.expect(set(got) == want and len(got) == len(want), f"GET {path}: results {got}, not {sorted(want)}")
    if "count" in doc:
        c.expect(doc["count"] == len(results), f"GET {path}: count {doc['count']!r}, {len(results)} results")


def step_search(c):
    c.attempt(search, c, "/v1/search?q=Harbor", HARBOR)
    c.attempt(search, c, f"/v1/search?q=Harbor&archive={BANNED}", {(BANNED, "china", "n30000010")})
    c.attempt(search, c, "/v1/search?q=Harbor&archive=" + q(PERIODICALS), {(PERIODICALS, "essays", "p-harbor")})
    status, _, body = get(f"/v1/search?q=Harbor&archive={OWNER}/nope")
    c.expect(status == 400, f"GET /v1/search?q=Harbor&archive={OWNER}/nope: HTTP {status}, not 400: {short(body)}")
    return "'Harbor' finds one page in each archive, each with its archive; &archive= narrows to one; an unknown archive is 400"


def step_html(c):
    headers, body = want_status("/?q=Harbor", 200)
    html = body.decode("utf-8", "replace")
    c.expect("text/html" in headers.get("content-type", ""), f"GET /?q=Harbor: Content-Type {headers.get('content-type')!r}")
    m = re.search(r"<select\b[^>]*\bname=[\"']?archive\b[^>]*>(.*?)</select>", html, re.S)
    if c.expect(m is not None, "GET /?q=Harbor: no <select name=\"archive\">"):
        missing = [n for n in FOLDERS.values() if n not in m.group(1)]
        c.expect(not missing, f"GET /?q=Harbor: the archive <select> lacks {missing}: {m.group(0)[:400]}")
    for title in ("Harbor lights return to the bay", "Harbor essays of the winter", "Harbor strike was banned"):
        c.expect(title in html, f"GET /?q=Harbor: result {title!r} not on the page")
    return "GET /?q=Harbor lists the three results and a <select name=\"archive\"> naming the three archives"


def step_metrics(c):
    _, body = want_status("/metrics", 200)
    text = body.decode("utf-8", "replace")
    for folder, name in FOLDERS.items():
        m = re.findall(r'^sharemark_index_articles\{archive="' + re.escape(name) + r'"\} (\S+)$', text, re.M)
        want = counts(folder)[0]
        if c.expect(len(m) == 1, f"/metrics: {len(m)} lines sharemark_index_articles{{archive=\"{name}\"}}; "
                                 f"lines: {[l for l in text.splitlines() if l.startswith('sharemark_index_articles')]}"):
            try:
                c.expect(float(m[0]) == want, f"/metrics: sharemark_index_articles{{archive=\"{name}\"}} {m[0]}, not {want}")
            except ValueError:
                c.problems.append(f"/metrics: sharemark_index_articles{{archive=\"{name}\"}} {m[0]!r} is not a number")
    return "sharemark_index_articles{archive=...} per archive, equal to its pages"


def step_health(c):
    status, doc = health()
    c.expect(status == 200, f"/healthz: HTTP {status}")
    total = sum(counts(f)[0] for f in FOLDERS)
    c.expect(doc.get("status") == "ok", f"/healthz: status {doc.get('status')!r}, not ok: {doc}")
    c.expect(doc.get("articles") == total, f"/healthz: articles {doc.get('articles')!r}, not {total}")
    c.expect(isinstance(doc.get("generation"), int), f"/healthz: generation {doc.get('generation')!r}")
    arcs = {a.get("name"): a for a in doc.get("archives") or []}
    c.expect(set(arcs) == set(FOLDERS.values()), f"/healthz: archives {sorted(arcs)}")
    for folder, name in FOLDERS.items():
        a = arcs.get(name, {})
        c.expect(a.get("status") == "ok" and a.get("articles") == counts(folder)[0] and isinstance(a.get("generation"), int),
                 f"/healthz: archive {name}: {a}, not ok with {counts(folder)[0]} articles and a generation")
    return f"status ok, {total} articles, each archive ok with its count"


def step_add_page(c):
    write_page(os.path.join(FAMILY, "banned"), ADDED)
    return f"pages/{ADDED[0]}/{ADDED[1]}.md added to banned"


def step_added(c):
    cat, i = ADDED[0], ADDED[1]

    def served():
        status, _, body = get(article_route(BANNED, cat, i))
        if status != 200:
            raise Problem(f"GET {article_route(BANNED, cat, i)}: HTTP {status}")
        status, _, body = get("/v1/lookup?q=" + q(i))
        if status != 200:
            raise Problem(f"GET /v1/lookup?q={i}: HTTP {status}: {short(body)}")
        return True

    _, took = poll(f"pages/{cat}/{i}.md of banned served after `sharemark index`", served)
    c.attempt(check_article, c, "banned", cat, i)
    c.attempt(lookup_results, c, "the added page by id", i, {(BANNED, cat, i)})
    c.attempt(lookup_results, c, "the added page by original URL", ADDED[4], {(BANNED, cat, i)})
    return f"served under banned's route and found by /v1/lookup {took:.1f} s after `sharemark index family/banned`, no restart"


def step_degraded(c):
    index = os.path.join(FAMILY, "news", ".sharemark", "index.sqlite")
    if not os.path.exists(index):
        raise Problem(f"{index} does not exist: nothing to delete")
    os.remove(index)

    def degraded():
        status, doc = health()
        news = next((a for a in doc.get("archives") or [] if a.get("name") == NEWS), None)
        if doc.get("status") == "degraded" and news and news.get("status") == "failing" \
                and "missing" in str(news.get("error") or "").lower():
            return status, doc
        raise Problem(f"/healthz: HTTP {status} {json.dumps(doc, ensure_ascii=False)[:400]}")

    (status, doc), took = poll("/healthz degraded with news failing ('missing')", degraded)
    for a in doc.get("archives") or []:
        if a.get("name") != NEWS:
            c.expect(a.get("status") == "ok", f"/healthz: {a.get('name')} is {a.get('status')!r} while only news lost its index")
    for folder, cat, i in [("news", "world", "n20000005"), ("banned", "china", "n30000010"), ("periodicals", "essays", "p-harbor")]:
        c.attempt(check_article, c, folder, cat, i, False)
    c.attempt(lookup_results, c, "by id, news failing", "n30000010", {(BANNED, "china", "n30000010")})
    error = next(a for a in doc["archives"] if a.get("name") == NEWS).get("error")
    return (f"/healthz degraded (HTTP {status}) with news failing ({error!r}) after {took:.1f} s; "
            "news, banned and periodicals still answer their article routes, /v1/lookup still answers")


def step_cli(c):
    archives = [os.path.join(FAMILY, f) for f in ("news", "periodicals", "banned")]

    def lookup(query, *flags):
        return run(["lookup", query] + archives + list(flags))

    def prefixes(out):
        return set(re.findall(r"^\[([^\]\s]+)\] ", out, re.M))

    code, out, err = lookup("n20000005")
    if c.expect(code == 0, f"lookup n20000005 A B C: exit {code}: {(out + err)[:300]}"):
        c.expect(prefixes(out) == {NEWS}, f"lookup n20000005 A B C: prefixes {prefixes(out)}, not [{NEWS}]: {out[:300]}")
    code, out, err = lookup(SHARED_ALL)
    if c.expect(code == 0, f"lookup {SHARED_ALL} A B C: exit {code} (found in three archives is no error): {(out + err)[:300]}"):
        c.expect(prefixes(out) == set(FOLDERS.values()), f"lookup {SHARED_ALL} A B C: prefixes {prefixes(out)}, not all three: {out[:500]}")
    code, out, err = lookup(SHARED_ALL, "--json")
    if c.expect(code == 0, f"lookup --json {SHARED_ALL} A B C: exit {code}: {(out + err)[:300]}"):
        try:
            doc = json.loads(out)
            got = {(m["archive"], m["article"]["pagePath"]) for m in doc}
            c.expect(len(doc) == 3 and got == {(NEWS, "pages/world/n20000001.md"), (PERIODICALS, "pages/reprint/n20000001.md"),
                                               (BANNED, "pages/world/n20000001.md")}, f"lookup --json {SHARED_ALL}: {sorted(got)}")
            c.expect(all(isinstance(m.get("canonical"), bool) for m in doc), f"lookup --json: canonical not a boolean: {out[:300]}")
        except (ValueError, TypeError, KeyError) as e:
            c.problems.append(f"lookup --json {SHARED_ALL} A B C: not [{{archive, canonical, article: {{pagePath}}}}] ({e!r}): {out[:300]}")
    url = mirror("news", "world", "n20000001")
    code, out, err = lookup(url, "--json")
    if c.expect(code == 0, f"lookup --json {url} A B C: exit {code}: {(out + err)[:300]}"):
        try:
            doc = json.loads(out)
            c.expect(doc[0]["archive"] == NEWS and doc[0]["canonical"] is True and doc[0]["article"]["pagePath"] == "pages/world/n20000001.md",
                     f"lookup --json {url}: first match {json.dumps(doc[0])[:300]}, not news's, canonical")
        except (ValueError, TypeError, KeyError, IndexError) as e:
            c.problems.append(f"lookup --json {url} A B C: not a JSON array of matches ({e!r}): {out[:300]}")
    url = mirror(OLD_NEWS, "china", "n20000003")
    code, out, err = lookup(url)
    if c.expect(code == 0, f"lookup {url} A B C: exit {code}: {(out + err)[:300]}"):
        c.expect(prefixes(out) == {NEWS} and "n20000003" in out, f"lookup {url} A B C: {out[:300]}")
    for query, want, why in [("n99999999", 1, "no page"), ("n30000009", 2, "an id in two categories of banned"),
                             ("", 64, "an empty query")]:
        code, out, err = lookup(query)
        c.expect(code == want, f"lookup {query!r} A B C ({why}): exit {code}, not {want}: {(out + err)[:300]}")
    return ("lookup over the three folders: found in one archive and in all three (exit 0, [OWNER/REPO] prefixes), "
            "--json matches with archive/canonical/article.pagePath, current name first and canonical, old name found; "
            "exit 1 none, 2 ambiguous, 64 invalid")


def read_pages(folder):
    out = {}
    root = os.path.join(FAMILY, folder, "pages")
    for d, _, files in os.walk(root):
        for f in files:
            out[os.path.relpath(os.path.join(d, f), root)] = open(os.path.join(d, f), "rb").read()
    return out


def step_fix(c):
    archive = os.path.join(FAMILY, "news")
    toml_path = os.path.join(archive, "sharemark.toml")
    before_toml = open(toml_path, encoding="utf-8").read()
    before = read_pages("news")
    code, out, err = run(["fix", archive])
    if not c.expect(code == 0, f"fix family/news: exit {code}: {(out + err)[:500]}"):
        return ""
    c.expect(re.search(r"recorded in sharemark\.toml: aliases = \[.*\bold-news\b", err) is not None,
             f"fix family/news: stderr does not say 'recorded in sharemark.toml: aliases = [... old-news ...]': {err[:300]!r}")
    after_toml = open(toml_path, encoding="utf-8").read()
    try:
        config = tomllib.loads(after_toml)
        c.expect(config.get("aliases") == [OLD_NEWS], f"sharemark.toml after fix: aliases {config.get('aliases')!r}, not ['{OLD_NEWS}']")
        c.expect((config.get("owner"), config.get("repository"), config.get("branch"), config.get("qr")) ==
                 (OWNER, "news", BRANCH, {"scale": 4}), f"sharemark.toml after fix: {config}")
    except tomllib.TOMLDecodeError as e:
        c.problems.append(f"sharemark.toml after fix is not TOML ({e}):\n{after_toml}")
    old_lines, new_lines = before_toml.splitlines(keepends=True), after_toml.splitlines(keepends=True)
    ops = [op for op in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes() if op[0] != "equal"]
    ok = len(ops) == 1 and ops[0][0] == "insert" and re.match(r"\s*aliases\s*=", new_lines[ops[0][3]])
    c.expect(ok, "sharemark.toml after fix: not the old file with an aliases line added:\n" +
             "".join(difflib.unified_diff(old_lines, new_lines, "before", "after", n=0)))
    after = read_pages("news")
    for rel in sorted(before):
        if not rel.endswith(".md"):
            continue
        cat, i = rel[:-3].split("/")
        _, _, _, repo, _ = find_page("news", cat, i)
        if repo == "news":
            c.expect(after.get(rel) == before[rel], f"fix changed pages/{rel}, whose footer was already canonical")
            continue
        text = after.get(rel, b"").decode("utf-8", "replace")
        c.expect(OLD_NEWS not in text and mirror("news", cat, i) in text and cdn("news", cat, i) in text,
                 f"fix: pages/{rel} still names old-news or lacks its current URLs")
        changed = [n for n, (x, y) in enumerate(zip(before[rel].splitlines(), after.get(rel, b"").splitlines())) if x != y]
        c.expect(len(changed) == 2 and len(before[rel].splitlines()) == len(after.get(rel, b"").splitlines()),
                 f"fix: pages/{rel}: lines {changed} changed, not the 2 footer URL lines")
        got = zbar(os.path.join(archive, "pages", rel + ".png"))
        c.expect(got == mirror("news", cat, i), f"fix: pages/{rel}.png reads {got!r}, not {mirror('news', cat, i)!r}")
    for query in [mirror(OLD_NEWS, "china", "n20000003"), cdn(OLD_NEWS, "china", "n20000003"), blob_image(OLD_NEWS, "china", "n20000004")]:
        code, out, err = run(["lookup", query, archive])
        c.expect(code == 0 and "n2000000" in out, f"after fix: lookup {query} family/news: exit {code}: {(out + err)[:300]}")
    code, out, err = run(["lookup", mirror(OLD_NEWS, "china", "n20000003")] + [os.path.join(FAMILY, f) for f in FOLDERS])
    c.expect(code == 0 and f"[{NEWS}] " in out, f"after fix: lookup OLD_URL A B C: exit {code}: {(out + err)[:300]}")
    recorded = next((l.strip() for l in err.splitlines() if "recorded in sharemark.toml" in l), "")
    return (f"fix family/news moved the 2 old-news footers to news (PNGs too, other pages untouched), recorded "
            f"aliases = ['old-news'] in sharemark.toml (one line added, every other line kept; stderr: {recorded}); "
            "lookup of the old mirror, CDN and blob image URLs still exits 0")


def step_after_fix(c):
    arcs = check_archives(c, ["news", "periodicals", "banned"])
    news = next((a for a in arcs if a.get("name") == NEWS), {})
    c.expect(any(str(a).split("/")[-1] == OLD_NEWS for a in news.get("aliases") or []),
             f"/v1/archives: news's aliases {news.get('aliases')!r} lack {OLD_NEWS} (recorded in sharemark.toml)")
    c.attempt(lookup_results, c, "old mirror URL after fix", mirror(OLD_NEWS, "china", "n20000003"), {(NEWS, "china", "n20000003")})
    c.attempt(lookup_results, c, "old CDN image URL after fix", cdn(OLD_NEWS, "china", "n20000004"), {(NEWS, "china", "n20000004")})
    check_redirect(c, f"/s/{OWNER}/{OLD_NEWS}/china/n20000003", mirror("news", "china", "n20000003"))
    check_redirect(c, f"/s/{OWNER}/{OLD_NEWS}/world/n20000005", mirror("news", "world", "n20000005"))
    return ("served by path in the given order, news's aliases list old-news; /v1/lookup of the old mirror and CDN URLs "
            "finds the pages; /s/example-org/old-news/... redirects to the current name")


def step_single(c):
    for path in ["/v1/articles/essays/p-harbor", article_route(PERIODICALS, "essays", "p-harbor")]:
        doc = c.attempt(get_json, path)
        if doc is not None:
            c.expect(doc.get("title") == "Harbor essays of the winter" and doc.get("canonicalMirrorURL") ==
                     mirror("periodicals", "essays", "p-harbor"), f"GET {path}: {json.dumps(doc, ensure_ascii=False)[:300]}")
    return "one archive served: the old /v1/articles/C/ID route and its /v1/archives/O/R/articles/C/ID route both answer"


if __name__ == "__main__":
    step = globals()["step_" + sys.argv[1]]
    if sys.argv[1] == "make":
        print(step())
        sys.exit(0)
    checks = Checks()
    summary = checks.attempt(step, checks)
    if checks.problems:
        print(f"{len(checks.problems)} problem(s):\n  " + "\n  ".join(checks.problems))
        sys.exit(1)
    print(summary)
PY
export PYTHONPATH=$work E2E_WORK=$work E2E_FAMILY=$work/family E2E_BIN=$bin
fam=$work/family
check() { python3 "$work/e2e_family.py" "$@"; }

out=$(check make) || fail "making the test family failed: $out"
say "family: $out"

# A server on a free port; `up` when /healthz answers 200. Waits at most 10 s (0.1 s steps).
port=""
up() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1).read()' "http://127.0.0.1:$port/healthz" 2>/dev/null; }
start_server() {  # $1 label; the rest: serve arguments
  local label=$1 rc=0 deadline=$((SECONDS + 10)); shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export E2E_PORT=$port
  "$bin" serve "$@" --host 127.0.0.1 --port "$port" > "$work/serve.log" 2>&1 & server=$!
  while [ "$SECONDS" -le "$deadline" ]; do
    up && return 0
    if ! kill -0 "$server" 2>/dev/null; then
      wait "$server" || rc=$?
      server=""
      fail "serve $label exited (status $rc) before answering /healthz: $(tail -20 "$work/serve.log")"
    fi
    sleep 0.1
  done
  fail "serve $label did not answer /healthz within 10 s: $(tail -20 "$work/serve.log")"
}
stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}
alive() {  # the server, when one is running, is still up
  [ -z "$server" ] || kill -0 "$server" 2>/dev/null || fail "serve died: $(tail -20 "$work/serve.log")"
}
step() {  # $1 step name, $2 label for the line printed
  local out
  out=$(check "$1") || { alive; fail "$2: $out"; }
  alive
  say "$2: $out"
}

# 1. One service over the family folder.
start_server "--archives family" --archives "$fam"
say "serve --archives family: up on 127.0.0.1:$port"
step archives "/v1/archives"
step articles "article routes"
step lookup "/v1/lookup"
step redirects "/s/ redirects"
step search "/v1/search"
step html "HTML page"
step metrics "/metrics"
step health "/healthz"

# 2. A page added to banned and indexed while serving.
out=$(check add_page) || fail "adding a page: $out"
"$bin" index "$fam/banned" > "$work/index-banned.txt" 2>&1 || fail "index family/banned failed: $(head -20 "$work/index-banned.txt")"
step added "page added to banned"

# 3. news's index deleted while serving.
step degraded "news's index deleted"
stop_server
say "server stopped"

# 4. The CLI over the three folders, then fix on news.
step cli "CLI lookup"
step fix "fix family/news"

# 5. A service on the three folders by path, after the fix; then one archive alone.
start_server "family/news family/periodicals family/banned" "$fam/news" "$fam/periodicals" "$fam/banned"
step after_fix "serve news periodicals banned (after fix)"
stop_server
start_server "family/periodicals" "$fam/periodicals"
step single "serve periodicals alone"
stop_server

# 6. The system unit's way: every index in one folder, none written into the archives.
fresh="$work/fresh"; idx="$work/indexes"
mkdir -p "$fresh" "$idx"
for a in news periodicals banned; do cp -r "$fam/$a" "$fresh/$a"; rm -rf "$fresh/$a/.sharemark"; done
start_server "--archives fresh --index-folder" --archives "$fresh" --index-folder "$idx"
names=$(python3 -c 'import json, sys, urllib.request
print(" ".join(sorted(a["name"] for a in json.load(urllib.request.urlopen(sys.argv[1]))["archives"])))' \
  "http://127.0.0.1:$port/v1/archives") || fail "--index-folder: /v1/archives did not answer"
stop_server
[ "$names" = "example-org/banned example-org/news example-org/periodicals" ] || fail "--index-folder: archives served: $names"
[ "$(cd "$idx" && ls ./*.sqlite | tr '\n' ' ')" = "./banned.sqlite ./news.sqlite ./periodicals.sqlite " ] \
  || fail "--index-folder: index files: $(ls "$idx")"
for a in news periodicals banned; do [ ! -e "$fresh/$a/.sharemark" ] || fail "--index-folder: $a/.sharemark was made"; done
mkdir -p "$work/other/news"; cp -r "$fam/news/pages" "$work/other/news/"
rc=0; "$bin" serve "$fresh/news" "$work/other/news" --index-folder "$idx" --port 0 > "$work/dup.txt" 2>&1 || rc=$?
[ "$rc" = 64 ] && grep -q "both named news" "$work/dup.txt" || fail "--index-folder with two folders named news: exit $rc, $(cat "$work/dup.txt")"
say "serve --index-folder: three indexes as FOLDER.sqlite in one folder, none in the archives; two folders of one name refused (exit 64)"
echo "e2e-family: all checks passed"
