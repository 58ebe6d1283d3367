# shellcheck shell=bash
# Sourced by the end-to-end scripts: builds the `sharemark` binary of the current sources (a
# no-op when it is up to date, so a stale binary is never tested) as $bin, makes a work folder
# $work, and on exit stops the server whose pid is in $server and removes $work.
# SHAREMARK=path picks another binary (not built).
cd "$(dirname "${BASH_SOURCE[1]}")/.." || exit 1
if [ -n "${SHAREMARK:-}" ]; then
  bin=$SHAREMARK
else
  swift build --product sharemark >&2 || { echo "$(basename "$0"): swift build --product sharemark failed" >&2; exit 1; }
  bin=$(swift build --show-bin-path)/sharemark
fi
[ -x "$bin" ] || { echo "$(basename "$0"): $bin is not an executable" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
server=""
e2e_cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap e2e_cleanup EXIT
