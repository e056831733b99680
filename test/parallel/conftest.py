"""Parallel test runners against ONE shared mock, a tenant per test: the pattern of README "Parallel test runners",
through the ricloud-mock pytest plugin (python/, docs/python.md) in its shared mode.

run.py loads the plugin from this checkout with `--ricloud-mock-mode shared`: the controller (pytest's main process)
starts one mock with the manual clock and hands its url to every xdist worker. Each item gets a tenant of its own
(`ricloud_tenant`: `POST /_mock/organisations`, deleted after), the official client pointed at it (`ricloud_client`
sets `ricloud.url` and `ricloud.token`), and moves only its tenant's clock (`POST /_mock/clock/advance` with
`organisation`). Its webhooks go to the client's own Flask receiver (ricloud.webhooks.app) on a real socket.

The official client is found at RICLOUD_PY_PATH, else ../shared/peers/ricloud-py-3.2.0 beside the repository, else
an installed `ricloud`; without it the items skip, and under CI (CI=true) they fail.

Run it with `npm run test:parallel` (test/parallel/run.py: four workers, pytest-xdist).
"""

import os
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PEER = REPO.parent / "shared" / "peers" / "ricloud-py-3.2.0"


def pytest_configure(config):
    folder = os.environ.get("RICLOUD_PY_PATH") or (str(PEER) if (PEER / "ricloud").is_dir() else None)
    if config.getoption("ricloud_py_path") is None and folder:
        config.option.ricloud_py_path = folder
    if os.environ.get("CI", "").lower() in ("true", "1"):
        config.option.ricloud_mock_client_required = "true"


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


@pytest.fixture
def receiver(ricloud_client):
    """This test's webhook receiver: the client's own Flask app (ricloud.webhooks, verifying Ricloud-Signature
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
