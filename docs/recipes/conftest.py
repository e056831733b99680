# conftest.py: a ricloud-mock server for a Python test session (README "Run it in CI").
import json
import os
import shlex
import subprocess
import tempfile
import time
import urllib.request

import pytest

# How to start it: from a package.json devDependency (npx finds it), or set RICLOUD_MOCK_CMD.
RICLOUD_MOCK_CMD = shlex.split(os.environ.get("RICLOUD_MOCK_CMD", "npx --yes ricloud-mock"))


@pytest.fixture(scope="session")
def ricloud_mock():
    """Starts ricloud-mock on a free port; yields its ready line ({"url", "token", ...}); stops it after."""
    log = tempfile.NamedTemporaryFile(prefix="ricloud-mock-", suffix=".log", delete=False)
    args = ["serve", "--port", "0", "--log-format", "json", "--log-level", "warn"]
    proc = subprocess.Popen([*RICLOUD_MOCK_CMD, *args], stdout=log, stderr=subprocess.STDOUT)
    try:
        ready = None
        deadline = time.monotonic() + 30
        while ready is None:
            with open(log.name) as lines:
                ready = next((json.loads(l) for l in lines if l.startswith('{"event":"listening"')), None)
            if ready is None:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("ricloud-mock did not start: " + open(log.name).read())
                time.sleep(0.05)
        with urllib.request.urlopen(ready["health"], timeout=5) as res:
            assert res.status == 200
        yield ready
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        os.unlink(log.name)
