#!/usr/bin/env python3
"""Mutation testing of Sharemark's libraries: does the suite notice when the code is wrong?

    Scripts/mutate.py [MODULE ...] [--mutants N] [--seed S] [--keep-going]

MODULE is one of SharemarkQR, SharemarkArchive, SharemarkJobs (default: all three). For each,
the script lists every place in the module's Swift sources where one simple mutant applies:

  compare   a comparison flipped or moved by one (< <=, > >=, == !=)
  logic     && and || swapped
  offset    + 1 and - 1 swapped
  boolean   true and false swapped
  branch    an if condition negated
  drop      a statement that only assigns, appends or calls, removed

and draws N of them (default 12) with a fixed seed, spread over the module's files. Each mutant is
applied to a copy of the repository (Sources/ and Tests/ under .build-mutate/src, the build in
.build-mutate/build), built, and the module's own test target run on it. A mutant is killed when a
test fails (or the tests hang past the timeout), survives when they pass, and does not count when
it does not compile. The report gives each module's score (killed / counted) and every survivor
with its file, line and change; the exit status is 0 whatever the score (a measurement, not a
gate). Expect about a minute per mutant on two cores.
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, ".build-mutate")
SRC = os.path.join(WORK, "src")
BUILD = os.path.join(WORK, "build")
TEST_TARGETS = {
    "SharemarkQR": "SharemarkQRTests",
    "SharemarkArchive": "SharemarkArchiveTests",
    "SharemarkJobs": "SharemarkJobsTests",
}
TIMEOUT = 300

# (kind, pattern, replacement function) over one line of code with strings and comments blanked.
SWAPS = [
    ("compare", r"(?<=\s)<(?=\s)", "<="), ("compare", r"(?<=\s)<=(?=\s)", "<"),
    ("compare", r"(?<=\s)>(?=\s)", ">="), ("compare", r"(?<=\s)>=(?=\s)", ">"),
    ("compare", r"(?<=\s)==(?=\s)", "!="), ("compare", r"(?<=\s)!=(?=\s)", "=="),
    ("logic", r"(?<=\s)&&(?=\s)", "||"), ("logic", r"(?<=\s)\|\|(?=\s)", "&&"),
    ("offset", r"(?<=\s)\+ 1\b", "- 1"), ("offset", r"(?<=\s)- 1\b", "+ 1"),
    ("boolean", r"\btrue\b", "false"), ("boolean", r"\bfalse\b", "true"),
]
DROPPABLE = re.compile(r"^\s*(?:(?!self\.)[A-Za-z_][\w.\[\]]*\s*(?:[-+*|&]?=)(?!=)\s*\S.*|[A-Za-z_][\w.]*\.(?:append|insert|remove\w*)\(.*\)|try [A-Za-z_][\w.]*\(.*\))\s*$")
IF_LINE = re.compile(r"^(\s*(?:\}\s*else\s+)?if\s+)(.+?)(\s*\{\s*)$")


def blank_literals(line):
    """The line with string literals and a trailing comment replaced by spaces (same length)."""
    out, i, in_string = [], 0, False
    while i < len(line):
        c = line[i]
        if not in_string and line.startswith("//", i):
            out.append(" " * (len(line) - i))
            break
        if c == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
            out.append(c)
        else:
            out.append(" " if in_string else c)
        i += 1
    return "".join(out)


def sites(module):
    """Every mutant of the module's sources: (file, line number, kind, old line, new line)."""
    found = []
    folder = os.path.join(ROOT, "Sources", module)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".swift"):
            continue
        path = os.path.join("Sources", module, name)
        lines = open(os.path.join(SRC, path), encoding="utf-8").read().split("\n")
        in_block_comment = False
        for n, line in enumerate(lines, 1):
            stripped = line.strip()
            if in_block_comment:
                in_block_comment = "*/" not in stripped
                continue
            if stripped.startswith("/*"):
                in_block_comment = "*/" not in stripped
                continue
            if not stripped or stripped.startswith("//") or stripped.startswith("import ") or stripped.startswith("@"):
                continue
            code = blank_literals(line)
            for kind, pattern, replacement in SWAPS:
                for m in re.finditer(pattern, code):
                    found.append((path, n, kind, line, line[:m.start()] + replacement + line[m.end():]))
            m = IF_LINE.match(code)
            if m and not re.search(r"\b(let|var|case)\b|[,{}]", m.group(2)):
                cond = line[m.start(2):m.end(2)]
                found.append((path, n, "branch", line, line[:m.start(2)] + "!(" + cond + ")" + line[m.end(2):]))
            if DROPPABLE.match(code) and not stripped.startswith(("let ", "var ", "return", "case ", "guard ")):
                indent = line[: len(line) - len(line.lstrip())]
                found.append((path, n, "drop", line, indent + "_ = 0  // mutant: statement dropped"))
    return found


def draw(all_sites, count, rng):
    """`count` mutants spread over the files: round robin over files in a shuffled order."""
    by_file = {}
    for site in all_sites:
        by_file.setdefault(site[0], []).append(site)
    for group in by_file.values():
        rng.shuffle(group)
    files = sorted(by_file)
    rng.shuffle(files)
    chosen = []
    while len(chosen) < count and any(by_file[f] for f in files):
        for f in files:
            if by_file[f] and len(chosen) < count:
                chosen.append(by_file[f].pop())
    return chosen


def run(args, timeout=TIMEOUT):
    """Runs a command in its own process group; past the timeout the whole group is killed (swift
    test runs the tests in a child process, which a hung mutant would otherwise leave spinning)."""
    process = subprocess.Popen(args, cwd=SRC, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, "timed out"


def prepare():
    """The copy of the repository the mutants are applied to, refreshed from the work tree."""
    os.makedirs(SRC, exist_ok=True)
    for item in ["Package.swift", "Sources", "Tests", "Benchmarks", "Assets"]:
        source, target = os.path.join(ROOT, item), os.path.join(SRC, item)
        if os.path.isdir(target):
            shutil.rmtree(target)
        elif os.path.exists(target):
            os.remove(target)
        if os.path.isdir(source):
            shutil.copytree(source, target, symlinks=True)
        elif os.path.exists(source):
            shutil.copy2(source, target)


def build(timeout=TIMEOUT):
    return run(["swift", "build", "--build-tests", "--scratch-path", BUILD], timeout=timeout)


def test(target):
    return run(["swift", "test", "--skip-build", "--scratch-path", BUILD, "--filter", target + "\\."])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", default=list(TEST_TARGETS))
    parser.add_argument("--mutants", type=int, default=12, help="mutants drawn per module (default 12)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    for module in options.modules:
        if module not in TEST_TARGETS:
            sys.exit(f"mutate: unknown module {module} (one of {', '.join(TEST_TARGETS)})")

    prepare()
    print("mutate: building the unmutated copy ...", flush=True)
    status, output = build(timeout=3600)  # from nothing the first time: every dependency
    if status != 0:
        sys.exit("mutate: the unmutated copy does not build:\n" + output[-3000:])
    for module in options.modules:
        status, output = test(TEST_TARGETS[module])
        if status != 0:
            sys.exit(f"mutate: {TEST_TARGETS[module]} fails without a mutant:\n" + output[-3000:])

    summary = []
    for module in options.modules:
        rng = random.Random(f"{options.seed}-{module}")
        candidates = sites(module)
        chosen = draw(candidates, options.mutants, rng)
        print(f"mutate: {module}: {len(chosen)} of {len(candidates)} possible mutants, tests {TEST_TARGETS[module]}", flush=True)
        killed, survived, stillborn = 0, [], 0
        for path, n, kind, old, new in chosen:
            file = os.path.join(SRC, path)
            original = open(file, encoding="utf-8").read()
            lines = original.split("\n")
            assert lines[n - 1] == old, f"{path}:{n} changed since it was listed"
            lines[n - 1] = new
            open(file, "w", encoding="utf-8").write("\n".join(lines))
            started = time.monotonic()
            try:
                status, output = build()
                if status != 0:
                    verdict = "does not compile"
                    stillborn += 1
                else:
                    status, output = test(TEST_TARGETS[module])
                    if status == 0:
                        verdict = "SURVIVED"
                        survived.append((path, n, kind, old.strip(), new.strip()))
                    else:
                        verdict = "killed" + (" (timeout)" if status is None else "")
                        killed += 1
            finally:
                open(file, "w", encoding="utf-8").write(original)
            print(f"  {verdict:16} {path}:{n} {kind}: {old.strip()}  ->  {new.strip()}  ({time.monotonic() - started:.0f} s)",
                  flush=True)
        counted = killed + len(survived)
        score = killed / counted if counted else 0.0
        summary.append((module, killed, counted, stillborn, survived, score))
    # Leave the copy as the sources are, for the next run's incremental build.
    build()

    print()
    print("mutation score per module (killed / mutants that compiled):")
    for module, killed, counted, stillborn, survived, score in summary:
        print(f"  {module:18} {killed:3} / {counted:<3} = {score:.0%}   ({stillborn} did not compile)")
        for path, n, kind, old, new in survived:
            print(f"      survived {path}:{n} {kind}: {old}  ->  {new}")


if __name__ == "__main__":
    main()
