# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run).
#
# Where the archives go: the ordinary disk by default (/var/tmp, which is never tmpfs), since
# that is where users keep archives; BENCH_TMPFS=1 puts them on /dev/shm to take the disk out of
# the comparison; BENCH_DIR=/path measures another file system.

bench_workdir() {
    local base
    if [ -n "${BENCH_DIR:-}" ]; then base=$BENCH_DIR
    elif [ "${BENCH_TMPFS:-0}" = 1 ]; then base=/dev/shm
    else base=/var/tmp
    fi
    mkdir -p "$base"
    mktemp -d "$base/sharemark-bench.XXXXXX"
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
    echo "files on $(stat -f -c %T "$1") ($1), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

bench_load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# bench_measure NAME COMMAND...: runs the command with its output discarded, prints wall-clock
# and CPU (user+sys of the command and its children) seconds, and leaves them in $wall and $cpu.
# A command that fails stops the benchmark: a broken run must print no speed-up.
bench_measure() {
    local name=$1 result code
    shift
    result=$(python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {r.ru_utime + r.ru_stime:.3f} {code}")
PY
)
    read -r wall cpu code <<<"$result"
    if [ "$code" != 0 ]; then
        echo "$name: exit $code; no figures from a failed run" >&2
        exit 1
    fi
    echo "$name: $wall s wall, $cpu s CPU"
}

# bench_ratio LABEL BASELINE MEASURED [TARGET]: prints BASELINE / MEASURED, and whether it meets
# TARGET when one is given.
bench_ratio() {
    python3 - "$@" <<'PY'
import sys
label, baseline, measured = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ratio = baseline / measured
verdict = ""
if len(sys.argv) > 4:
    target = float(sys.argv[4])
    verdict = f" (target >= {target:g}x: {'met' if ratio >= target else 'NOT met'})"
print(f"{label}: {ratio:.2f}x{verdict}")
PY
}
