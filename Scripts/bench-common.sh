# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run).
#
# Where the archives go: a fresh ext4 file system (mkfs defaults, with a journal, as Debian
# installs) in a file on the ordinary disk, loop-mounted, when the script runs as root; otherwise
# /var/tmp (never tmpfs). A fresh file system, because on ext4 without a journal every file
# creation scans the inodes deleted in the last minutes, so the second run of a benchmark would
# measure the first one's clean-up. BENCH_DIR=/path uses that folder's file system as it is;
# BENCH_TMPFS=1 uses /dev/shm, taking the disk out of the comparison. The inode tables and the
# journal are written by mkfs, not by a kernel thread in the background of the first minutes of
# the benchmark (ext4's lazy initialisation).
bench_workdir() {
    local base dir
    if [ -n "${BENCH_DIR:-}" ]; then base=$BENCH_DIR
    elif [ "${BENCH_TMPFS:-0}" = 1 ]; then base=/dev/shm
    else base=/var/tmp
    fi
    mkdir -p "$base"
    dir=$(mktemp -d "$base/sharemark-bench.XXXXXX")
    if [ -z "${BENCH_DIR:-}" ] && [ "${BENCH_TMPFS:-0}" != 1 ] && [ "$(id -u)" = 0 ] \
        && truncate -s "${BENCH_FS_SIZE:-4G}" "$dir.img" && mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$dir.img" 2>/dev/null \
        && mount -o loop "$dir.img" "$dir" 2>/dev/null; then
        :
    else
        rm -f "$dir.img"
    fi
    echo "$dir"
}

# Removes what bench_workdir made (for the EXIT trap).
bench_cleanup() {
    if mountpoint -q "$1"; then umount "$1"; fi
    rm -rf "$1" "$1.img"
}

# The sharemark binary to time: the release build of this checkout, or SHAREMARK_BIN=/path (to
# compare an earlier build in the same conditions).
bench_binary() {
    if [ -n "${SHAREMARK_BIN:-}" ]; then realpath "$SHAREMARK_BIN"; return; fi
    swift build -c release --product sharemark 2>&1 | tail -1 >&2
    echo "$(swift build -c release --show-bin-path)/sharemark"
}

# One line saying what the run measures on: file system, cores, load.
bench_context() {
    local where
    where=$(findmnt -n -o SOURCE,FSTYPE --target "$1" | tr -s ' ' ' ')
    echo "files on $where ($1), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

bench_load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# bench_measure NAME COMMAND...: runs the command (standard input passed on, output discarded),
# prints wall-clock and CPU (user+sys of the command and its children) seconds, and leaves them in
# $wall and $cpu. A command that fails stops the benchmark: a broken run must print no figures.
bench_measure() {
    local name=$1 result code
    shift
    result=$(python3 -c '
import resource, subprocess, sys, time
# What this process had already reaped (a python3 launcher shim counts here) is subtracted.
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.monotonic()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = r.ru_utime + r.ru_stime - before.ru_utime - before.ru_stime
print(f"{wall:.3f} {cpu:.3f} {code}")
' "$@")
    read -r wall cpu code <<<"$result"
    if [ "$code" != 0 ]; then
        echo "$name: exit $code; no figures from a failed run" >&2
        exit 1
    fi
    echo "$name: $wall s wall, $cpu s CPU"
}

# bench_ratio LABEL A B [TARGET]: prints A / B, and with TARGET (">=15" or "<=1.2") whether the
# ratio meets it.
bench_ratio() {
    python3 -c '
import sys
label, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
target = sys.argv[4] if len(sys.argv) > 4 else ""
ratio = a / b
verdict = ""
if target:
    bound = float(target[2:])
    met = ratio >= bound if target.startswith(">=") else ratio <= bound
    verdict = " (target " + target + ": " + ("met" if met else "NOT met") + ")"
print(f"{label}: {ratio:.2f}x{verdict}")
' "$@"
}
