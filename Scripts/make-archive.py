#!/usr/bin/env python3
"""Writes a synthetic mirror archive in the real shape, with its quirks in set proportions.

    Scripts/make-archive.py OUT --pages N [--seed S] [--png qrencode|none]

Deterministic for a given --pages and --seed (the text is invented). Quirks: pages written
under the repository's old name (alias), legacy /blob/ image URLs, pages without a footer,
CRLF line ends, a UTF-8 BOM, missing PNGs, orphan PNGs, one id shared by two categories.
With --png qrencode every footer page gets its QR code from `qrencode -s 4` (run in parallel),
except the pages chosen to miss theirs; with --png none no PNG is written.
A manifest.json at the root lists every page with its quirks, for tests.
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

# Proportions of quirks among pages (each drawn independently).
RATES = {"alias": 0.05, "legacy": 0.05, "nofooter": 0.02, "crlf": 0.10, "bom": 0.03, "missing_png": 0.05}
ORPHAN_RATE = 0.01


def mirror_url(repo, path):
    return f"https://github.com/{OWNER}/{repo}/blob/{BRANCH}/{path}"


def cdn_url(repo, path):
    return f"https://cdn.jsdelivr.net/gh/{OWNER}/{repo}/{path}"


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


def page_text(rng, category, page_id, quirks, date):
    path = f"pages/{category}/{page_id}.md"
    t = title(rng)
    y, m, d = date
    lines = [f"### {t}", "------------------------", "",
             f"#### [首页](../../README.md)  &nbsp;&nbsp;|&nbsp;&nbsp; [{DISPLAY[category]}](../../indexes/{category}.md)",
             "", ""]
    if rng.random() < 0.5:
        lines += [f'<div><img alt="{t}" class="attachment-600_400 wp-post-image" src="https://images.example-news.com/uploads/{y}/{m:02d}/id{page_id}-600x400.jpg"/>',
                  '<div class="caption">', f" {y}年{m}月{d}日，{t}。(示例图片)", "</div></div><hr/>", ""]
    lines += ["<div><p>", f" 【示例新闻{y}年{m:02d}月{d:02d}日讯】" + "".join(rng.choice(WORDS) for _ in range(rng.randrange(10, 40))) + "。"]
    if rng.random() < 0.3:
        lines += [' <ok href="https://www.example-news.com/gb/tag/x.html">', "  " + rng.choice(WORDS), " </ok>"]
    lines += ["</p>"]
    for _ in range(rng.randrange(1, 5)):
        lines += ["<p>", " " + "".join(rng.choice(WORDS) for _ in range(rng.randrange(20, 80))) + "。", "</p>"]
    lines += ["</div>"]
    if not quirks["nofooter"]:
        repo = OLD_REPO if quirks["alias"] else REPO
        mirror = mirror_url(repo, path)
        image = mirror + ".png" if quirks["legacy"] else cdn_url(repo, path + ".png")
        if rng.random() < 0.5:
            original = f"https://www.example-news.com/gb/{y % 100}/{m}/{d}/{page_id}.htm"
        else:
            original = f"http://example-news.com/gb/{y}/{m:02d}/{d:02d}/{page_id}.html"
        lines += ["<hr/>", "手机上长按并复制下列链接或二维码分享本文章：<br/>", f"{mirror} <br/>",
                  f"<a href='{mirror}'><img src='{image}'/></a> <br/>", f"原文地址（需翻墙访问）：{original}"]
        quirks["payload"] = mirror
        quirks["original"] = original
    lines += ["", "", "------------------------",
              f"#### [首页](../../README.md)  &nbsp;&nbsp;|&nbsp;&nbsp; [{DISPLAY[category]}](../../indexes/{category}.md)",
              "", "", f"<img src='http://stats.example-mirror.win/mirror/{path}' width='0px' height='0px'/>", ""]
    text = ("\r\n" if quirks["crlf"] else "\n").join(lines)
    data = text.encode("utf-8")
    if quirks["bom"]:
        data = b"\xef\xbb\xbf" + data
    return t, data


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--png", choices=["qrencode", "none"], default="none")
    ap.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = ap.parse_args()

    if os.path.exists(args.out):
        if not args.force:
            sys.exit(f"{args.out} exists (use --force)")
        shutil.rmtree(args.out)
    rng = random.Random(args.seed)
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
        quirks = {k: rng.random() < v for k, v in RATES.items()}
        # Small archives get every quirk at least once, on fixed pages.
        if args.pages >= 10:
            fixed = {2: "alias", 3: "legacy", 4: "nofooter", 5: "crlf", 6: "bom", 7: "missing_png"}
            if n in fixed:
                quirks = {k: False for k in RATES}
                quirks[fixed[n]] = True
        if quirks["nofooter"]:
            quirks["alias"] = quirks["legacy"] = quirks["missing_png"] = False
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
        t, data = page_text(rng, p["category"], p["id"], p["quirks"], p["date"])
        p["title"] = t
        path = os.path.join(folder, p["id"] + ".md")
        with open(path, "wb") as f:
            f.write(data)
        if "payload" in p["quirks"] and not p["quirks"]["missing_png"]:
            jobs.append((path + ".png", p["quirks"]["payload"]))
    orphans = []
    for k in range(max(1 if args.pages >= 10 else 0, int(args.pages * ORPHAN_RATE))):
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

    manifest = {
        "seed": args.seed, "pages": len(pages), "png": args.png, "orphans": orphans,
        "entries": [{"path": f"pages/{p['category']}/{p['id']}.md", "title": p["title"],
                     "payload": p["quirks"].get("payload"), "original": p["quirks"].get("original"),
                     "date": "%04d-%02d-%02d" % p["date"],
                     "quirks": sorted(k for k in RATES if p["quirks"][k])} for p in pages],
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    print(f"wrote {len(pages)} pages, {len(jobs) if args.png == 'qrencode' else 0} PNGs to {args.out}")


if __name__ == "__main__":
    main()
