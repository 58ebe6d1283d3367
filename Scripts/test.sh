#!/usr/bin/env bash
# The whole test suite: install what it needs, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh
swift build
swift test "$@"
# End-to-end runs of the built binary (killed regen, lock): real processes and signals.
Scripts/e2e-regen.sh
