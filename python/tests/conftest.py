"""The plugin's own suite. Run it from an environment where the package is installed (`npm run test:python` makes
one): the plugin is loaded through its pytest11 entry point, as a user's pytest loads it.

The mock is this checkout's (`ricloud_mock_path = ".."` in python/pyproject.toml). The official client is found
at RICLOUD_PY_PATH, else ../shared/peers/ricloud-py-3.2.0 beside the repository, else an installed `ricloud`;
without it the tests that need it skip with one line, and under CI (CI=true) they fail instead.
"""

import os
import sys
from importlib import metadata
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
PEER = REPO.parent / "shared" / "peers" / "ricloud-py-3.2.0"


def client_folder():
    """RICLOUD_PY_PATH, else the shared peer folder, else None (an installed `ricloud`, if any)."""
    given = os.environ.get("RICLOUD_PY_PATH")
    if given:
        return given
    return str(PEER) if (PEER / "ricloud" / "__init__.py").is_file() else None


def pytest_configure(config):
    names = {ep.name for ep in metadata.entry_points(group="pytest11")} if sys.version_info >= (3, 10) else {
        ep.name for ep in metadata.entry_points().get("pytest11", [])}
    if "ricloud_mock" not in names:
        raise pytest.UsageError("ricloud-mock is not installed in this environment (pip install ./python; "
                                "npm run test:python does it in a venv)")
    if config.getoption("ricloud_py_path") is None and client_folder():
        config.option.ricloud_py_path = client_folder()
    if IN_CI:
        config.option.ricloud_mock_client_required = "true"


@pytest.fixture
def mock_path():
    """This checkout, as --ricloud-mock-path for pytester sessions."""
    return str(REPO)


@pytest.fixture
def inner_args(mock_path):
    """Arguments every inner (pytester) session needs: this checkout's mock, no cache, quiet."""
    return ["-p", "no:cacheprovider", "--ricloud-mock-path", mock_path]
