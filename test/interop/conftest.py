"""The interop suite: the official Python client, ricloud-py 3.2.0, unchanged, against the compiled mock.

The mock runs as a separate process (`node dist/main.js serve`) on a free loopback port with a scaled clock (x100:
the 2 s session check takes 20 ms) and is killed when the session ends. The client is configured only as its users
configure it: RICLOUD_* environment variables (ricloud/conf.py reads `RICLOUD_<setting name>`), set here before
`ricloud` is first imported, since it reads its url, token, retries and Ricloud-Await at import time.

Finding the client: RICLOUD_PY_PATH, else ../shared/peers/ricloud-py-3.2.0 next to the repository, else an
installed `ricloud` (pip install ricloud==3.2.0). Under CI (CI=true) a missing client fails the run; elsewhere the
suite is skipped with the reason.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from locate_client import REPO, find_client

# Never write __pycache__ into the client's folder (it is a shared, read-only peer).
sys.dont_write_bytecode = True

TOKEN = "interop-token"
TIME_SCALE = 100
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


try:
    CLIENT_PATH = find_client()
    MISSING = None
except LookupError as exc:
    CLIENT_PATH = None
    MISSING = str(exc)

if CLIENT_PATH:
    sys.path.insert(0, CLIENT_PATH)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()
BASE_URL = "http://127.0.0.1:%d" % PORT
WORK = Path(tempfile.mkdtemp(prefix="ricloud-interop-"))
OUTPUT_DIR = WORK / "output"

# The client's configuration, exactly as a user sets it (see ricloud/ricloud.ini for the names).
CLIENT_ENV = {
    "RICLOUD_URL": BASE_URL,
    "RICLOUD_TOKEN": TOKEN,
    "RICLOUD_AWAIT_FOR": "10",
    "RICLOUD_MAX_RETRIES": "3",
    "RICLOUD_OUTPUT_DIRECTORY": str(OUTPUT_DIR),
}
os.environ.update(CLIENT_ENV)


def pytest_sessionstart(session):
    if MISSING and IN_CI:
        pytest.exit("interop: %s (under CI a missing client is a failure)" % MISSING, returncode=3)


def pytest_collection_modifyitems(config, items):
    if MISSING:
        skip = pytest.mark.skip(reason=MISSING)
        for item in items:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(WORK, ignore_errors=True)


class Mock:
    """The running mock: its url, token and the control plane (/_mock) over plain HTTP."""

    def __init__(self, url, token, data_dir):
        self.url = url
        self.token = token
        self.data_dir = data_dir

    def control(self, method, path, body=None):
        res = requests.request(method, self.url + "/_mock" + path, json=body, timeout=30)
        assert res.status_code < 300, (method, path, res.status_code, res.text)
        return res.json() if res.content else None

    def reset(self):
        self.control("POST", "/reset")

    def advance(self, seconds):
        """Moves the mock's clock (manual or not) and runs everything due; answers once it has all run."""
        return self.control("POST", "/clock/advance", {"seconds": seconds})

    def journal(self, path=None, limit=100):
        query = "?limit=%d" % limit + ("&path=%s" % path if path else "")
        return self.control("GET", "/requests" + query)["data"]


@contextlib.contextmanager
def running_mock(port, token, seed, clock_args, name):
    """Starts `node dist/main.js serve` on a loopback port with its own data dir and log, yields a Mock, kills it."""
    url = "http://127.0.0.1:%d" % port
    data_dir = WORK / (name + "-data")
    config = WORK / (name + ".config.json")
    # Sessions must not idle out between tests (1 h mock time is 36 s wall at x100); Relay consent is given after
    # 1 s of mock time so that the Relay sample's subscription becomes active without the control plane.
    config.write_text(json.dumps({"timings": {"sessionIdleMs": 30 * 86400 * 1000, "relayAutoAllowMs": 1000}}))
    log_path = WORK / (name + ".log")
    log = open(str(log_path), "w")
    proc = subprocess.Popen(
        [
            "node", "dist/main.js", "serve",
            "--host", "127.0.0.1", "--port", str(port),
            "--token", token, "--seed", seed,
            *clock_args,
            "--data-dir", str(data_dir), "--config", str(config),
            "--log-level", "warn",
        ],
        cwd=str(REPO),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.flush()
                pytest.fail("the mock exited with %s: %s" % (proc.returncode, log_path.read_text()))
            try:
                if requests.get(url + "/_mock/clock", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the mock did not answer within 30 s")
            time.sleep(0.05)  # readiness poll of a starting process, not a wait on the mock's time
        yield Mock(url, token, data_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def build_mock():
    """Builds dist/ (a no-op when it is fresh)."""
    subprocess.run(["node", "scripts/build.mjs", "--js-only", "--quiet"], cwd=str(REPO), check=True)


@pytest.fixture(scope="session")
def mock():
    """Builds the mock (a no-op when dist/ is fresh), starts `node dist/main.js serve` and kills it at the end."""
    build_mock()
    with running_mock(PORT, TOKEN, "interop", ["--clock", "scaled", "--time-scale", str(TIME_SCALE)], "mock") as m:
        yield m


@pytest.fixture(scope="session")
def manual_mock():
    """A second mock, started as the README recommends for tests: `--clock manual` (its clock sits at 2026-01-01
    and moves only on POST /_mock/clock/advance). The client is pointed at it through `ricloud.url`/`ricloud.token`,
    which it reads on every request."""
    build_mock()
    with running_mock(free_port(), "manual-token", "interop-manual", ["--clock", "manual"], "manual-mock") as m:
        yield m


@pytest.fixture(autouse=True)
def fresh(mock):
    """Every test starts from the preset and seed (POST /_mock/reset): no test depends on another's state."""
    mock.reset()
    shutil.rmtree(str(OUTPUT_DIR), ignore_errors=True)
    yield


@pytest.fixture
def ricloud(mock):
    """The official client's package, configured through RICLOUD_* only."""
    import ricloud as client

    assert client.__version__ == "3.2.0", client.__version__
    assert client.url == BASE_URL and client.token == TOKEN
    return client


def cli_env(**extra):
    """The environment for the client's command line: the RICLOUD_* settings and the client on PYTHONPATH."""
    env = dict(os.environ)
    env.update(CLIENT_ENV)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if CLIENT_PATH:
        env["PYTHONPATH"] = CLIENT_PATH + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_cli(*args, input=None, **env):
    """Runs the client's command line as its users run it: python -c "from ricloud.cli import cli; cli()" ..."""
    return subprocess.run(
        [sys.executable, "-c", "from ricloud.cli import cli; cli()"] + list(args),
        input=input,
        capture_output=True,
        text=True,
        env=cli_env(**env),
        timeout=120,
    )


def wait_until(condition, timeout=15.0, what="condition"):
    """Waits for something the mock does in the background (a delivery), bounded; never for the mock's time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


@pytest.fixture
def valid_webhook(ricloud):
    """A webhook config the mock has tested valid: a loopback receiver that answers 200, closed after the test.

    Subscriptions need one ("An organisation must have at least one webhook config in this state in order to be
    useable", https://reincubate.com/support/ricloud/webhook-configs).
    """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Ok(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        config = ricloud.WebhookConfig.create(url="http://127.0.0.1:%d/webhooks" % server.server_port)
        task = config.test()["attrs"]  # Ricloud-Await: the answer is the finished test task
        assert task.state == "succeeded", task
        config.refresh()
        assert config.state == "valid", config
        yield config
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
