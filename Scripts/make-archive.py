#!/usr/bin/env python3
"""Writes a synthetic mirror archive in the real shape, with its quirks in set proportions.

    Scripts/make-archive.py OUT --pages N [--seed S] [--png qrencode|none]
        [--image-url cdn|blob] [--footer-style standard|plain|compact]
        [--quirks LIST|none] [--no-footers] [--force]

Deterministic for a given set of options (the text is invented). Default quirks: pages written
under the repository's old name (alias), QR image links of the minority form (legacy: the form
the archive does not use), pages without a footer, CRLF line ends, a UTF-8 BOM, missing PNGs,
orphan PNGs; one id is always shared by two categories.
With --png qrencode every footer page gets its QR code from `qrencode -s 4` (run in parallel),
except the pages chosen to miss theirs; with --png none no PNG is written.

House style (every footer of an archive is written alike):
  --image-url cdn|blob   the QR image link: CDN https://cdn.jsdelivr.net/gh/O/R/pages/C/ID.md.png
                         (default) or git host https://github.com/O/R/blob/master/pages/C/ID.md.png;
                         pages with the `legacy` quirk use the other form.
  --footer-style         standard (default): `<hr/>`, a Chinese label, every line but the last
                         ending in ` <br/>`, single-quoted attributes, the trailing block after it;
                         plain: a blank line, no `<hr/>`, the label `Share this page:`, no ` <br/>`,
                         double-quoted attributes, `Original: `, a shorter trailing block;
                         compact: a blank line, `<hr>`, the label `分享本文：<br/>`, ` <br/>`
                         endings, single quotes, `原文：`, and nothing after it (the page ends).
Quirks:
  --quirks LIST          comma-separated names: the default set is alias, legacy, nofooter, crlf,
                         bom, missing_png, orphans (`default` stands for all of them, `none` for
                         no quirk at all, which makes a fault-free base). Opt-in quirks, never in
                         the default set: nofinalnewline (the page ends without a final newline),
                         mixed (LF and CRLF mixed in the body, footer and trailing lines LF),
                         badutf8 (one invalid UTF-8 byte sequence in a body paragraph, never in
                         the footer), trailingspace (trailing spaces on some body lines).
  --no-footers           no page has a share footer (an archive of the same family without
                         footers; every page is listed with the nofooter quirk).
Pages, ids, titles and body text depend only on --pages and --seed: the decisions the options
add draw from a second random stream, so an archive made with other options has the same
articles as the default one. With the default options the output is the same, byte for byte,
as it has always been (the committed Assets/demo-archive is `--pages 40 --seed 7 --png qrencode`).

A manifest.json at the root lists every page with its quirks, for tests. When any of the
options above differs from its default, it also records image_url, footer_style, quirk_set
(the enabled quirks) and no_footers (absent: cdn, standard, the default set, false).
"""
import argparse
import concurrent.futures
import json
import os
import random
import shutil
import subprocess
import sys

OWNER = "example-org"
REPO = "mirror"
OLD_REPO = "old-mirror"
BRANCH = "master"
CATEGORIES = ["world", "china", "culture", "nsc418", "butongdeshengyin", "tech"]
DISPLAY = {"world": "国际新闻", "china": "国内", "culture": "文化", "nsc418": "专题",
           "butongdeshengyin": "不同的声音", "tech": "科技"}
WORDS = ["北极", "理事会", "外长", "会议", "城市", "图书馆", "延长", "开放", "时间", "科学家", "发现",
         "新型", "材料", "画展", "预告", "经济", "数据", "发布", "河流", "治理", "计划", "学校", "音乐节",
         "举行", "市民", "参观", "博物馆", "铁路", "通车", "天气", "预报", "港口", "扩建", "农业", "丰收"]
LATIN = ["library", "river", "council", "harbour", "festival", "museum", "railway", "weather", "market"]

# Proportions of quirks among pages (each drawn independently, from the main random stream).
# `legacy`: the QR image link is of the other form than the archive's (--image-url).
RATES = {"alias": 0.05, "legacy": 0.05, "nofooter": 0.02, "crlf": 0.10, "bom": 0.03, "missing_png": 0.05}
ORPHAN_RATE = 0.01
# Opt-in quirks (drawn from the second stream, only when enabled).
EXTRA_RATES = {"nofinalnewline": 0.05, "mixed": 0.05, "badutf8": 0.03, "trailingspace": 0.10}
DEFAULT_QUIRKS = set(RATES) | {"orphans"}
ALL_QUIRKS = DEFAULT_QUIRKS | set(EXTRA_RATES)
# Small archives get every quirk at least once, on fixed pages (only that quirk).
FIXED = {2: "alias", 3: "legacy", 4: "nofooter", 5: "crlf", 6: "bom", 7: "missing_png"}
# ...and every enabled opt-in quirk (added to what the page drew).
FIXED_EXTRA = {8: "nofinalnewline", 9: "mixed", 10: "badutf8", 11: "trailingspace"}
# An incomplete UTF-8 sequence (the first two bytes of "数"): invalid before any other byte.
BAD_UTF8 = b"\xe6\x95"


def mirror_url(repo, path):
    return f"https://github.com/{OWNER}/{repo}/blob/{BRANCH}/{path}"


def cdn_url(repo, path):
    return f"https://cdn.jsdelivr.net/gh/{OWNER}/{repo}/{path}"


def image_url(form, repo, path):
    """The QR image link of page `path` (pages/C/ID.md) in `form` (cdn or blob)."""
    return cdn_url(repo, path + ".png") if form == "cdn" else mirror_url(repo, path) + ".png"


def footer_lines(style, mirror, image, original):
    """(blank lines before, footer lines) of a footer in `style`."""
    if style == "plain":
        return [""], ["Share this page:", mirror, f'<a href="{mirror}"><img src="{image}"/></a>',
                      f"Original: {original}"]
    if style == "compact":
        return [""], ["<hr>", "分享本文：<br/>", f"{mirror} <br/>",
                      f"<a href='{mirror}'><img src='{image}'/></a> <br/>", f"原文：{original}"]
    return [], ["<hr/>", "手机上长按并复制下列链接或二维码分享本文章：<br/>", f"{mirror} <br/>",
                f"<a href='{mirror}'><img src='{image}'/></a> <br/>", f"原文地址（需翻墙访问）：{original}"]


def trailing_lines(style, category, path):
    """What follows the footer (or the body, on a page without one); the last "" is the final newline."""
    nav = f"#### [首页](../../README.md)  &nbsp;&nbsp;|&nbsp;&nbsp; [{DISPLAY[category]}](../../indexes/{category}.md)"
    tracker = f"<img src='http://stats.example-mirror.win/mirror/{path}' width='0px' height='0px'/>"
    if style == "plain":
        return ["", "------------------------", nav, "", tracker, ""]
    if style == "compact":
        return [""]
    return ["", "", "------------------------", nav, "", "", tracker, ""]


def make_id(rng, n):
    r = rng.random()
    if r < 0.85:
        return f"n{10000000 + n * 7 + rng.randrange(7):08d}"
    if r < 0.95:
        return f"jkdv-{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}20{rng.randrange(10, 23)}{rng.randrange(0, 240000):06d}"
    return f"{rng.choice(LATIN)}{n}"


def title(rng):
    if rng.random() < 0.1:
        return " ".join(rng.choice(LATIN) for _ in range(3)).capitalize()
    return "".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 7)))


def page_text(rng, xrng, opts, category, page_id, quirks, date):
    """The page's title and bytes. `rng` is the main stream: it draws exactly what it always
    has, whatever the options; every other decision draws from `xrng`."""
    path = f"pages/{category}/{page_id}.md"
    t = title(rng)
    y, m, d = date
    lines = [f"### {t}", "------------------------", "",
             f"#### [首页](../../README.md)  &nbsp;&nbsp;|&nbsp;&nbsp; [{DISPLAY[category]}](../../indexes/{category}.md)",
             "", ""]
    if rng.random() < 0.5:
        lines += [f'<div><img alt="{t}" class="attachment-600_400 wp-post-image" src="https://images.example-news.com/uploads/{y}/{m:02d}/id{page_id}-600x400.jpg"/>',
                  '<div class="caption">', f" {y}年{m}月{d}日，{t}。(示例图片)", "</div></div><hr/>", ""]
    paragraphs = [len(lines) + 1]  # the paragraph text lines (one per <p>)
    lines += ["<div><p>", f" 【示例新闻{y}年{m:02d}月{d:02d}日讯】" + "".join(rng.choice(WORDS) for _ in range(rng.randrange(10, 40))) + "。"]
    if rng.random() < 0.3:
        lines += [' <ok href="https://www.example-news.com/gb/tag/x.html">', "  " + rng.choice(WORDS), " </ok>"]
    lines += ["</p>"]
    for _ in range(rng.randrange(1, 5)):
        paragraphs.append(len(lines) + 1)
        lines += ["<p>", " " + "".join(rng.choice(WORDS) for _ in range(rng.randrange(20, 80))) + "。", "</p>"]
    lines += ["</div>"]
    body_end = len(lines)
    has_footer = not quirks["nofooter"] and not opts.no_footers
    # The main stream draws the original URL for every page that drew no `nofooter`, as it
    # always has; a footer page that did (its `nofooter` disabled) draws from the second stream.
    if not quirks["rolled_nofooter"]:
        https = rng.random() < 0.5
    elif has_footer:
        https = xrng.random() < 0.5
    if has_footer:
        repo = OLD_REPO if quirks["alias"] else REPO
        mirror = mirror_url(repo, path)
        form = opts.image_url
        if quirks["legacy"]:
            form = "blob" if form == "cdn" else "cdn"
        image = image_url(form, repo, path)
        if https:
            original = f"https://www.example-news.com/gb/{y % 100}/{m}/{d}/{page_id}.htm"
        else:
            original = f"http://example-news.com/gb/{y}/{m:02d}/{d:02d}/{page_id}.html"
        before, footer = footer_lines(opts.footer_style, mirror, image, original)
        lines += before + footer
        quirks["payload"] = mirror
        quirks["original"] = original
    lines += trailing_lines(opts.footer_style, category, path)

    # Per-line bytes and endings (the ending after line i; the last line has none).
    raw = [line.encode("utf-8") for line in lines]
    ending = b"\r\n" if quirks["crlf"] else b"\n"
    endings = [ending] * (len(lines) - 1) + [b""]
    if quirks["trailingspace"]:
        candidates = [i for i in range(3, body_end) if raw[i]]
        chosen = [i for i in candidates if xrng.random() < 0.3] or [xrng.choice(candidates)]
        for i in chosen:
            raw[i] += b" " * xrng.randrange(1, 4)
    if quirks["badutf8"]:
        i = xrng.choice(paragraphs)
        chars = lines[i]
        at = xrng.randrange(1, len(chars))
        raw[i] = chars[:at].encode("utf-8") + BAD_UTF8 + chars[at:].encode("utf-8") + raw[i][len(chars.encode("utf-8")):]
    if quirks["mixed"]:
        body = [b"\r\n" if xrng.random() < 0.5 else b"\n" for _ in range(body_end)]
        if len(set(body)) == 1:
            body[xrng.randrange(body_end)] = b"\n" if body[0] == b"\r\n" else b"\r\n"
        endings[:body_end] = body
    data = b"".join(r + e for r, e in zip(raw, endings))
    if quirks["nofinalnewline"]:
        data = data[:-2] if data.endswith(b"\r\n") else data[:-1] if data.endswith(b"\n") else data
    if quirks["bom"]:
        data = b"\xef\xbb\xbf" + data
    return t, data


def parse_quirks(text):
    if text is None:
        return set(DEFAULT_QUIRKS)
    names = set()
    for name in (n.strip() for n in text.split(",")):
        if name == "none" or not name:
            continue
        if name == "default":
            names |= DEFAULT_QUIRKS
        elif name in ALL_QUIRKS:
            names.add(name)
        else:
            raise argparse.ArgumentTypeError(
                f"unknown quirk {name!r} (known: {', '.join(sorted(ALL_QUIRKS))}, default, none)")
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="the archive folder to write")
    ap.add_argument("--pages", type=int, default=40, help="how many pages (default: 40)")
    ap.add_argument("--seed", type=int, default=1, help="the random seed (default: 1)")
    ap.add_argument("--png", choices=["qrencode", "none"], default="none",
                    help="write the QR PNGs with qrencode, or none (default: none)")
    ap.add_argument("--image-url", choices=["cdn", "blob"], default="cdn",
                    help="the archive's QR image link form (default: cdn); legacy-quirk pages use the other")
    ap.add_argument("--footer-style", choices=["standard", "plain", "compact"], default="standard",
                    help="the archive's footer wording and layout (default: standard, the archive-format.md footer)")
    ap.add_argument("--quirks", metavar="LIST", type=parse_quirks, default=None,
                    help="comma-separated quirks to allow (default: alias,legacy,nofooter,crlf,bom,missing_png,"
                         "orphans; 'default' names that set, 'none' none; opt-in: nofinalnewline,mixed,badutf8,"
                         "trailingspace)")
    ap.add_argument("--no-footers", action="store_true", help="write no share footer on any page")
    ap.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = ap.parse_args()
    enabled = args.quirks if args.quirks is not None else set(DEFAULT_QUIRKS)
    custom = (args.image_url != "cdn" or args.footer_style != "standard" or enabled != DEFAULT_QUIRKS
              or args.no_footers)

    if os.path.exists(args.out):
        if not args.force:
            sys.exit(f"{args.out} exists (use --force)")
        shutil.rmtree(args.out)
    rng = random.Random(args.seed)
    # The second stream: every decision the default run does not make.
    xrng = random.Random(f"make-archive extra {args.seed}")
    pages = []
    used = set()
    for n in range(args.pages):
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        page_id = make_id(rng, n)
        # Make the second page share the first page's id, in another category.
        if n == 1 and pages:
            page_id = pages[0]["id"]
            category = next(c for c in CATEGORIES if c != pages[0]["category"])
        if (category, page_id) in used:
            page_id = f"{page_id}x{n}"
        used.add((category, page_id))
        rolled = {k: rng.random() < v for k, v in RATES.items()}
        if args.pages >= 10 and n in FIXED:
            rolled = {k: False for k in RATES}
            rolled[FIXED[n]] = True
        if rolled["nofooter"]:
            rolled["alias"] = rolled["legacy"] = rolled["missing_png"] = False
        quirks = {k: rolled[k] and k in enabled for k in RATES}
        for k, v in EXTRA_RATES.items():
            if k in enabled:
                quirks[k] = xrng.random() < v and not (args.pages >= 10 and n in FIXED)
                if args.pages >= 10 and FIXED_EXTRA.get(n) == k:
                    quirks[k] = True
            else:
                quirks[k] = False
        if quirks["mixed"]:
            quirks["crlf"] = False  # mixed endings replace uniform ones
        if args.no_footers:
            quirks["nofooter"] = True
            quirks["alias"] = quirks["legacy"] = quirks["missing_png"] = False
        quirks["rolled_nofooter"] = rolled["nofooter"]
        date = (rng.randrange(2012, 2024), rng.randrange(1, 13), rng.randrange(1, 29))
        pages.append({"category": category, "id": page_id, "quirks": quirks, "date": date})

    jobs = []
    os.makedirs(os.path.join(args.out, "pages"))
    os.makedirs(os.path.join(args.out, "indexes"))
    made_dirs = set()
    for p in pages:
        folder = os.path.join(args.out, "pages", p["category"])
        if folder not in made_dirs:
            os.makedirs(folder, exist_ok=True)
            made_dirs.add(folder)
        t, data = page_text(rng, xrng, args, p["category"], p["id"], p["quirks"], p["date"])
        p["title"] = t
        path = os.path.join(folder, p["id"] + ".md")
        with open(path, "wb") as f:
            f.write(data)
        if "payload" in p["quirks"] and not p["quirks"]["missing_png"]:
            jobs.append((path + ".png", p["quirks"]["payload"]))
    orphans = []
    orphan_count = max(1 if args.pages >= 10 else 0, int(args.pages * ORPHAN_RATE)) if "orphans" in enabled else 0
    for k in range(orphan_count):
        category = CATEGORIES[k % len(CATEGORIES)]
        rel = f"pages/{category}/n{90000000 + k:08d}.md"
        os.makedirs(os.path.join(args.out, "pages", category), exist_ok=True)
        orphans.append(rel + ".png")
        jobs.append((os.path.join(args.out, rel + ".png"), mirror_url(REPO, rel)))

    with open(os.path.join(args.out, "indexes", "names.csv"), "w", encoding="utf-8") as f:
        for c in CATEGORIES:
            f.write(f"{c},E{DISPLAY[c]}\n")
    with open(os.path.join(args.out, "README.md"), "w", encoding="utf-8") as f:
        f.write("# 示例镜像\n\nA synthetic mirror archive (invented text).\n")

    if args.png == "qrencode":
        if shutil.which("qrencode") is None:
            sys.exit("qrencode is not installed (apt-get install qrencode)")

        def encode(job):
            subprocess.run(["qrencode", "-o", job[0], "-s", "4", job[1]], check=True)

        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(encode, jobs))

    manifest = {"seed": args.seed, "pages": len(pages), "png": args.png}
    if custom:  # only then, so that default runs write the manifest they always have
        manifest.update({"image_url": args.image_url, "footer_style": args.footer_style,
                         "quirk_set": sorted(enabled), "no_footers": args.no_footers})
    manifest.update({
        "orphans": orphans,
        "entries": [{"path": f"pages/{p['category']}/{p['id']}.md", "title": p["title"],
                     "payload": p["quirks"].get("payload"), "original": p["quirks"].get("original"),
                     "date": "%04d-%02d-%02d" % p["date"],
                     "quirks": sorted(k for k in list(RATES) + list(EXTRA_RATES) if p["quirks"][k])}
                    for p in pages],
    })
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    print(f"wrote {len(pages)} pages, {len(jobs) if args.png == 'qrencode' else 0} PNGs to {args.out}")


if __name__ == "__main__":
    main()
