"""Runs test/parallel with pytest-xdist: WORKERS (default 4) workers against one shared mock, a tenant per item.

The mock comes from the ricloud-mock pytest plugin of this checkout (python/src, loaded with `-p` unless the
package is installed) in its shared mode: the controller starts it from this checkout, the workers share it.

Without pytest-xdist: under CI (CI=true) that is a failure; elsewhere the suite is skipped with one line. Extra
arguments go to pytest (e.g. --junitxml=...).
"""

import importlib.util
import os
import sys
from importlib import metadata

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
WORKERS = os.environ.get("PARALLEL_WORKERS", "4")


def main(argv):
    if importlib.util.find_spec("xdist") is None:
        line = "parallel: pytest-xdist is not installed (python3 -m pip install pytest-xdist)"
        if IN_CI:
            print(line + ": under CI that is a failure", file=sys.stderr)
            return 3
        print(line + ": skipped")
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    plugin = []
    eps = metadata.entry_points()
    pytest11 = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
    if "ricloud_mock" not in {ep.name for ep in pytest11}:
        src = os.path.join(repo, "python", "src")
        sys.path.insert(0, src)
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
        plugin = ["-p", "ricloud_mock.plugin"]
    mock = ["--ricloud-mock-mode", "shared", "--ricloud-mock-path", repo, "--ricloud-mock-seed", "parallel"]
    return pytest.main(["-p", "no:cacheprovider", "-p", "no:benchmark", *plugin, *mock, "-n", WORKERS, "--dist",
                        "load", here, *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
