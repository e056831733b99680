"""`npm run test:python`: installs the ricloud-mock Python package into a venv and runs its suites there.

1. A venv at tmp/python-venv with the machine's site packages (requests, pytest, pytest-xdist, flask come from
   there), the package installed into it as a user installs it (`pip install ./python`: its pytest11 entry point
   is what loads the plugin). With hatchling in the venv the build needs no index (`--no-build-isolation`);
   otherwise pip fetches it from the configured index once.
2. The plugin's own suite (python/tests) and the sample app's (python/examples/backup_app), each serially and with
   `-n 4` (pytest-xdist).

Without pytest-xdist: under CI (CI=true) that is a failure; elsewhere the -n 4 runs are skipped with one line.
`--junit-prefix P` writes P-<run>.xml for each run. Other arguments go to every pytest run.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = REPO / "tmp" / "python-venv"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
WORKERS = os.environ.get("PYTHON_WORKERS", "4")


def venv_python():
    return VENV / ("Scripts" if os.name == "nt" else "bin") / "python"


def has(python, module):
    return subprocess.run([str(python), "-c", "import " + module], capture_output=True).returncode == 0


def install():
    if not venv_python().exists():
        venv.EnvBuilder(system_site_packages=True, with_pip=True).create(str(VENV))
    py = str(venv_python())
    pip = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--retries", "0"]
    if not has(py, "hatchling"):
        # The build backend, once, from the machine's configured index (a local one here; PyPI elsewhere).
        subprocess.run(pip + ["hatchling"], check=False)
    if has(py, "hatchling"):
        cmd = pip + ["--no-build-isolation", "--force-reinstall", "--no-deps", str(HERE)]
    else:
        cmd = pip + ["--force-reinstall", str(HERE)]
    subprocess.run(cmd, check=True)
    subprocess.run([py, "-c", "import ricloud_mock, requests, pytest"], check=True)


def main(argv):
    junit = None
    if "--junit-prefix" in argv:
        i = argv.index("--junit-prefix")
        junit = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    install()
    py = str(venv_python())
    xdist = has(py, "xdist")
    if not xdist:
        line = "python: pytest-xdist is not installed (python3 -m pip install pytest-xdist)"
        if IN_CI:
            print(line + ": under CI that is a failure", file=sys.stderr)
            return 3
        print(line + ": the -n %s runs are skipped" % WORKERS)
    runs = [
        ("plugin", HERE, ["tests"], []),
        ("plugin-xdist", HERE, ["tests"], ["-n", WORKERS]),
        ("backup-app", HERE / "examples" / "backup_app", [], []),
        ("backup-app-xdist", HERE / "examples" / "backup_app", [], ["-n", WORKERS]),
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    failed = []
    for name, cwd, paths, extra in runs:
        if extra and not xdist:
            continue
        args = [py, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:benchmark", "-q", *extra, *paths, *argv]
        if junit:
            args += ["--junitxml", "%s-%s.xml" % (junit, name), "-o", "junit_suite_name=python-" + name]
        print("== python: %s (%s)" % (name, " ".join(args[3:])), flush=True)
        code = subprocess.run(args, cwd=str(cwd), env=env).returncode
        if code != 0:
            failed.append("%s (exit %d)" % (name, code))
    if failed:
        print("python: failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
