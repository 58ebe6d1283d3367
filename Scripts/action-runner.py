#!/usr/bin/env python3
"""Runs a composite action's steps the way a GitHub Actions runner does, or checks its metadata.

    action-runner.py check ACTION_DIR [WORKFLOW...]
    action-runner.py run ACTION_DIR [--action-path PATH] [--outputs FILE] [--with NAME=VALUE]...

check: action.yml is a composite action whose steps are all `run` steps with a shell; every
`${{ ... }}` in it is one this script evaluates (inputs.NAME of a declared input,
github.action_path, steps.ID.outputs.NAME of a step with that id); every input is used; every
output maps a step's output. In each workflow given, every step that uses the action (a `uses:`
ending in Assets/ci/action, local or OWNER/NAME/...@REF) passes only inputs the action declares,
and every `steps.ID.outputs.NAME` of such a step names an output of the action. Exit 1 with one
line per problem.

run: the inputs are the --with values over action.yml's defaults; each step runs as the runner
runs `shell: bash` (`bash --noprofile --norc -eo pipefail FILE`, the script written to a file in
RUNNER_TEMP), in this process's environment (the job's: GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY,
RUNNER_TEMP...) plus the step's env, GITHUB_ACTION_PATH, and a GITHUB_OUTPUT file of its own;
the step's outputs are read back from that file (name=value and name<<DELIMITER forms) and the
action's outputs are written to --outputs as name=value lines (as a job's GITHUB_OUTPUT would
hold them). Stops at the first step that fails and exits with its status, as the runner does.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SHELLS = {"bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"], "sh": ["sh", "-e"]}


def load(action_dir):
    with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def problems(action):
    found = []
    inputs = action.get("inputs") or {}
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        found.append(f"runs.using is {runs.get('using')!r}, not composite")
    steps = runs.get("steps") or []
    ids = {s["id"] for s in steps if "id" in s}
    used = set()

    def check(text, where, allow_steps):
        for expr in EXPRESSION.findall(str(text)):
            m = re.fullmatch(r"inputs\.([A-Za-z0-9_-]+)", expr)
            if m:
                used.add(m.group(1))
                if m.group(1) not in inputs:
                    found.append(f"{where}: inputs.{m.group(1)} is no input of the action")
                continue
            if expr == "github.action_path":
                continue
            m = re.fullmatch(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", expr)
            if m and allow_steps:
                if m.group(1) not in ids:
                    found.append(f"{where}: steps.{m.group(1)} is no step of the action")
                continue
            found.append(f"{where}: the expression ${{{{ {expr} }}}} is not one this runner evaluates")

    for name, spec in inputs.items():
        if not isinstance(spec, dict) or "description" not in spec:
            found.append(f"inputs.{name}: no description")
    for i, step in enumerate(steps):
        where = f"runs.steps[{i}]"
        if "run" not in step:
            found.append(f"{where}: not a run step")
            continue
        if step.get("shell") not in SHELLS:
            found.append(f"{where}: shell {step.get('shell')!r} (a composite step must name one: bash or sh)")
        check(step["run"], where + ".run", False)
        for key, value in (step.get("env") or {}).items():
            check(value, f"{where}.env.{key}", False)
    for name, spec in (action.get("outputs") or {}).items():
        value = (spec or {}).get("value")
        if not value or not EXPRESSION.search(str(value)):
            found.append(f"outputs.{name}: no value from a step's output")
        check(value, f"outputs.{name}", True)
    for name in inputs:
        if name not in used:
            found.append(f"inputs.{name}: declared but never used")
    return found


def workflow_problems(action, path):
    """The uses of the action in a workflow file: inputs passed and outputs read."""
    inputs = set((action.get("inputs") or {}).keys())
    outputs = set((action.get("outputs") or {}).keys())
    with open(path, encoding="utf-8") as f:
        text = f.read()
    workflow = yaml.safe_load(text)
    found = []
    for job_id, job in (workflow.get("jobs") or {}).items():
        ids = set()
        for i, step in enumerate(job.get("steps") or []):
            uses = str(step.get("uses", ""))
            if not re.search(r"(^|/)Assets/ci/action(@[^/]+)?$", uses):
                continue
            if "id" in step:
                ids.add(step["id"])
            for name in (step.get("with") or {}):
                if name not in inputs:
                    found.append(f"{path}: jobs.{job_id}.steps[{i}]: input {name} is not one of the action's ({', '.join(sorted(inputs))})")
        for step_id, name in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", yaml.safe_dump(job)):
            if step_id in ids and name not in outputs:
                found.append(f"{path}: jobs.{job_id}: steps.{step_id}.outputs.{name} is not one of the action's outputs ({', '.join(sorted(outputs))})")
    return found


def read_outputs(path):
    outputs = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        m = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if m:
            value = []
            while i < len(lines) and lines[i] != m.group(2):
                value.append(lines[i])
                i += 1
            i += 1
            outputs[m.group(1)] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        else:
            raise SystemExit(f"action-runner: a line of GITHUB_OUTPUT is neither name=value nor name<<DELIMITER: {line!r}")
    return outputs


def run(action_dir, action_path, given, outputs_file):
    action = load(action_dir)
    found = problems(action)
    if found:
        raise SystemExit("action-runner: " + "; ".join(found))
    inputs = {name: str((spec or {}).get("default", "")) for name, spec in (action.get("inputs") or {}).items()}
    for name, value in given.items():
        if name not in inputs:
            raise SystemExit(f"action-runner: the action has no input {name}")
        inputs[name] = value
    step_outputs = {}

    def evaluate(text, allow_steps=False):
        def one(m):
            expr = m.group(1)
            if expr.startswith("inputs."):
                return inputs[expr[len("inputs."):]]
            if expr == "github.action_path":
                return action_path
            parts = expr.split(".")
            return step_outputs.get(parts[1], {}).get(parts[3], "")
        return EXPRESSION.sub(one, str(text))

    temp = os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()
    status = 0
    for step in action["runs"]["steps"]:
        env = dict(os.environ)
        env.update({k: evaluate(v) for k, v in (step.get("env") or {}).items()})
        env["GITHUB_ACTION_PATH"] = action_path
        fd, output_file = tempfile.mkstemp(prefix="set_output_", dir=temp)
        os.close(fd)
        env["GITHUB_OUTPUT"] = output_file
        fd, script = tempfile.mkstemp(prefix="step_", suffix=".sh", dir=temp)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(evaluate(step["run"]))
        try:
            status = subprocess.run(SHELLS[step["shell"]] + [script], env=env).returncode
            if "id" in step:
                step_outputs[step["id"]] = read_outputs(output_file)
        finally:
            os.unlink(script)
            os.unlink(output_file)
        if status != 0:
            break
    if outputs_file:
        with open(outputs_file, "w", encoding="utf-8") as f:
            for name, spec in (action.get("outputs") or {}).items():
                value = evaluate(spec["value"], allow_steps=True)
                if "\n" in value:
                    f.write(f"{name}<<EOF_OUTPUT\n{value}\nEOF_OUTPUT\n")
                else:
                    f.write(f"{name}={value}\n")
    return status


def main(argv):
    if len(argv) >= 2 and argv[0] == "check":
        action = load(argv[1])
        found = [f"{argv[1]}/action.yml: {p}" for p in problems(action)]
        for workflow in argv[2:]:
            found += workflow_problems(action, workflow)
        for p in found:
            print(p, file=sys.stderr)
        return 1 if found else 0
    if len(argv) >= 2 and argv[0] == "run":
        action_dir, rest = argv[1], argv[2:]
        action_path, outputs_file, given = os.path.abspath(action_dir), None, {}
        while rest:
            flag, value, rest = rest[0], rest[1] if len(rest) > 1 else None, rest[2:]
            if value is None:
                raise SystemExit(f"action-runner: {flag} needs a value")
            if flag == "--action-path":
                action_path = value
            elif flag == "--outputs":
                outputs_file = value
            elif flag == "--with" and "=" in value:
                name, v = value.split("=", 1)
                given[name] = v
            else:
                raise SystemExit(f"action-runner: unknown argument {flag} {value}")
        return run(action_dir, action_path, given, outputs_file)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
