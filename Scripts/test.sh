#!/usr/bin/env bash
# The whole test suite: install what it needs, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh
swift build
swift test "$@"
# End-to-end runs of the built binary (killed regen, lock): real processes and signals.
Scripts/e2e-regen.sh
# sharemark fix on archives of three house styles with planted faults, and on one without footers.
Scripts/e2e-fix.sh
# File names that are not URL-safe (?, #, %, space, &, CJK): index, lookup by every form, verify,
# fix (QR decoded with zbarimg equals the working, encoded URL), regen and the service's routes.
Scripts/e2e-names.sh
# A hostile archive in a git checkout: footers naming .git, the README, other pages and files
# out of the archive, linked folders and PNGs; after regen and fix nothing but page PNGs changed.
Scripts/e2e-hostile.sh
# One service over an organisation's sibling archives (serve --archives, /v1/lookup, /s/ redirects,
# search across and narrowed, per-archive health and metrics), lookup over several folders, and
# old mirror URLs still resolving after fix records the old name as an alias.
Scripts/e2e-family.sh
# Concurrency (two regens, the service during regen and index rebuilds) and abuse of a live
# service on 127.0.0.1: real processes, bounded in time.
Scripts/concurrency-test.sh
Scripts/abuse-test.sh
# A short run of every fuzz target (sanitizers on; a crash fails the suite and leaves its input
# in .build-fuzz/crashes-TARGET/).
Scripts/fuzz.sh png 30
Scripts/fuzz.sh page 30
Scripts/fuzz.sh config 30
Scripts/fuzz.sh deflate 30
# The benchmark scripts' own checks (both sides succeed, same pixels, zbarimg decodes), on small
# runs of the debug build: their figures mean nothing here and nothing is asserted about them.
SHAREMARK_BIN=.build/debug/sharemark Scripts/bench-regen.sh 200
SHAREMARK_BIN=.build/debug/sharemark Scripts/bench-qr.sh 100
# The own deflate encoder against zlib (levels, Z_RLE, the Up filter) and libdeflate: every
# stream inflated and compared first.
Scripts/bench-deflate.sh 300 1
# fix against verify on 300 pages, nothing to repair and 60 repairs: checks what fix wrote.
SHAREMARK_BIN=.build/debug/sharemark Scripts/bench-fix.sh 300 1
# The nginx example of Assets/deploy/ in front of a live service: nginx -t, then its caching of
# QR images (MISS, HIT, 304, byte for byte) and its pass-through of JSON (Scripts/deploy-test.sh).
Scripts/deploy-test.sh
# actionlint (with shellcheck) over every workflow file, .github/workflows/ and Assets/ci/, and the
# action's metadata against its script and the workflows that use it (Scripts/ci-lint.sh).
Scripts/ci-lint.sh
# The Debian package: built, installed with apt-get, run on the demo archive, purged; the
# machine is left as it was (Scripts/package-test.sh).
Scripts/package-test.sh
# The GitHub Action run as a runner would, on the package just built: checksums, install,
# annotations, summary, outputs and exit status, regen's commit; purged (Scripts/action-test.sh).
SHAREMARK_DEB=$(ls -t .build-release/deb/sharemark_*.deb | head -n 1) Scripts/action-test.sh
