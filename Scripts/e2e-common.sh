# Sourced by the end-to-end scripts: finds (or builds) the `sharemark` binary as $bin, makes a
# work folder $work, and on exit stops the server whose pid is in $server and removes $work.
# SHAREMARK=path picks another binary.
cd "$(dirname "${BASH_SOURCE[1]}")/.."
bin=${SHAREMARK:-.build/debug/sharemark}
[ -x "$bin" ] || swift build --product sharemark
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
server=""
e2e_cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap e2e_cleanup EXIT
