"""Runs test/parallel with pytest-xdist: WORKERS (default 4) workers against one shared mock, a tenant each.

Without pytest-xdist: under CI (CI=true) that is a failure; elsewhere the suite is skipped with one line. Extra
arguments go to pytest (e.g. --junitxml=...).
"""

import importlib.util
import os
import sys

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
    return pytest.main(["-p", "no:cacheprovider", "-p", "no:benchmark", "-n", WORKERS, "--dist", "load", here, *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
