"""Parallel test runners against ONE shared mock, a tenant per worker: the pattern of README "Parallel test runners".

The controller process (pytest's main process, or the only one without xdist) builds and starts one mock with
`--clock manual`, and hands its url to every xdist worker (`pytest_configure_node`). Each worker creates its own
tenant (`POST /_mock/organisations`) and only then imports the official client, which reads RICLOUD_URL and
RICLOUD_TOKEN at import time. A worker moves only its own tenant's clock (`POST /_mock/clock/advance` with
`organisation`) and receives its tenant's webhooks on a receiver of its own: the client's Flask app on a real socket.

Run it with `npm run test:parallel` (test/parallel/run.py: four workers, pytest-xdist).
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

# Never write __pycache__ into the client's folder (it is a shared, read-only peer).
sys.dont_write_bytecode = True

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
MOCK_URL_KEY = "ricloud_mock_url"


def find_client():
    """The folder to put on sys.path for `import ricloud` (None: already importable), or raise LookupError (as
    test/interop/conftest.py finds it)."""
    given = os.environ.get("RICLOUD_PY_PATH")
    if given:
        if not (Path(given) / "ricloud" / "__init__.py").is_file():
            raise LookupError("RICLOUD_PY_PATH=%s holds no ricloud package" % given)
        return str(Path(given).resolve())
    peer = REPO.parent / "shared" / "peers" / "ricloud-py-3.2.0"
    if (peer / "ricloud" / "__init__.py").is_file():
        return str(peer.resolve())
    import importlib.util

    if importlib.util.find_spec("ricloud") is not None:
        return None
    raise LookupError("the official client ricloud 3.2.0 was not found: set RICLOUD_PY_PATH or pip install ricloud==3.2.0")


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


@contextlib.contextmanager
def shared_mock():
    """Builds dist/ (a no-op when fresh), starts one mock with the manual clock, yields its url, kills it."""
    subprocess.run(["node", "scripts/build.mjs", "--js-only", "--quiet"], cwd=str(REPO), check=True)
    work = Path(tempfile.mkdtemp(prefix="ricloud-parallel-"))
    url = "http://127.0.0.1:%d" % free_port()
    log_path = work / "mock.log"
    log = open(str(log_path), "w")
    proc = subprocess.Popen(
        ["node", "dist/main.js", "serve", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1],
         "--seed", "parallel", "--clock", "manual", "--data-dir", str(work / "data"), "--log-level", "warn"],
        cwd=str(REPO), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.flush()
                raise RuntimeError("the mock exited with %s: %s" % (proc.returncode, log_path.read_text()))
            try:
                if requests.get(url + "/_mock/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the mock did not answer within 30 s")
            time.sleep(0.05)  # readiness poll of a starting process, not a wait on the mock's time
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
        shutil.rmtree(str(work), ignore_errors=True)


def is_worker(config):
    return hasattr(config, "workerinput")


def pytest_configure(config):
    if MISSING or is_worker(config):
        return
    stack = contextlib.ExitStack()
    config._ricloud_mock_stack = stack
    config._ricloud_mock_url = stack.enter_context(shared_mock())


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist, in the controller: every worker gets the shared mock's url."""
    node.workerinput[MOCK_URL_KEY] = node.config._ricloud_mock_url


def pytest_unconfigure(config):
    stack = getattr(config, "_ricloud_mock_stack", None)
    if stack:
        stack.close()


def pytest_sessionstart(session):
    if MISSING and IN_CI:
        pytest.exit("parallel: %s (under CI a missing client is a failure)" % MISSING, returncode=3)


def pytest_collection_modifyitems(config, items):
    if MISSING:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=MISSING))


class Tenant:
    """This worker's organisation in the shared mock: its id, token, clock and control calls."""

    def __init__(self, url, name):
        self.url = url
        created = self.control("POST", "/organisations", {"name": name})
        self.id = str(created["organisation"]["id"])
        self.token = created["token"]

    def control(self, method, path, body=None):
        res = requests.request(method, self.url + "/_mock" + path, json=body, timeout=60)
        assert res.status_code < 300, (method, path, res.status_code, res.text)
        return res.json() if res.content else None

    def advance(self, seconds):
        """Moves this tenant's clock only; answers once every job of it due on the way (deliveries too) has run."""
        return self.control("POST", "/clock/advance", {"seconds": seconds, "organisation": self.id})

    def clock(self):
        return self.control("GET", "/clock?organisation=" + self.id)

    def reset(self):
        return self.control("POST", "/organisations/%s/reset" % self.id)


@pytest.fixture(scope="session")
def tenant(request):
    """Creates this worker's tenant, then configures and imports the official client for it (it reads its url and
    token at import time, so nothing may import ricloud before this fixture)."""
    config = request.config
    url = config.workerinput[MOCK_URL_KEY] if is_worker(config) else config._ricloud_mock_url
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    assert "ricloud" not in sys.modules, "ricloud was imported before the tenant's token was known"
    t = Tenant(url, "parallel " + worker)
    os.environ.update(RICLOUD_URL=url, RICLOUD_TOKEN=t.token, RICLOUD_AWAIT_FOR="0", RICLOUD_MAX_RETRIES="3")
    import ricloud

    assert ricloud.__version__ == "3.2.0" and ricloud.token == t.token and ricloud.url == url
    t.client = ricloud
    t.worker = worker
    return t


class Recorder:
    """WSGI middleware around the client's Flask receiver: each delivery's path, the status the app answered."""

    def __init__(self, app):
        self.app = app
        self.seen = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        status = {}

        def recording_start_response(s, headers, exc_info=None):
            status["code"] = int(s.split(" ", 1)[0])
            return start_response(s, headers, exc_info)

        body = b"".join(self.app(environ, recording_start_response))
        with self.lock:
            self.seen.append((environ["PATH_INFO"], status["code"]))
        return [body]

    def take(self):
        with self.lock:
            seen, self.seen = self.seen, []
        return seen


@pytest.fixture(scope="session")
def receiver(tenant):
    """This worker's webhook receiver: the client's own Flask app (ricloud.webhooks, verifying Ricloud-Signature
    with the default 600 s age limit) on a real loopback socket."""
    from werkzeug.serving import make_server

    from ricloud.webhooks import app

    recorder = Recorder(app)
    server = make_server("127.0.0.1", 0, recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, recorder, "http://127.0.0.1:%d/webhooks" % server.server_port
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
