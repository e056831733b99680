"""The backup app under test: served on a real socket (its webhook endpoint must be reachable by the mock), with
the official client pointed at this test's tenant by the plugin's `ricloud_client` fixture.

Finding the official client in this repository: RICLOUD_PY_PATH, else ../shared/peers/ricloud-py-3.2.0 beside
the repository (else an installed `ricloud`). Without it the tests skip with one line; under CI=true they fail.
"""

import os
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

REPO = Path(__file__).resolve().parents[3]
PEER = REPO.parent / "shared" / "peers" / "ricloud-py-3.2.0"


def pytest_configure(config):
    folder = os.environ.get("RICLOUD_PY_PATH") or (str(PEER) if (PEER / "ricloud").is_dir() else None)
    if config.getoption("ricloud_py_path") is None and folder:
        config.option.ricloud_py_path = folder
    if os.environ.get("CI", "").lower() in ("true", "1"):
        config.option.ricloud_mock_client_required = "true"


class Served:
    """The app on 127.0.0.1: `url`, and `get`/`post` through Flask's test client (the app's API), while the mock
    reaches its webhook endpoint over the socket."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.client = app.test_client()
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = "http://127.0.0.1:%d" % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def post(self, path, body):
        res = self.client.post(path, json=body)
        return res.status_code, res.get_json()

    def get(self, path):
        res = self.client.get(path)
        return res.status_code, res.get_json()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def backup_app(ricloud_client, ricloud_tenant, tmp_path):
    """The app for this test, with its webhook config registered and made valid (its signed test event verified
    by the app before the tenant's clock advance answers)."""
    from backup_service import create_app

    served = Served(create_app(str(tmp_path)))
    try:
        status, config = served.post("/setup", {"public_url": served.url})
        assert status == 201
        ricloud_tenant.advance(2)
        assert ricloud_client.WebhookConfig.retrieve(config["webhook_config"]).state == "valid"
        yield served
    finally:
        served.close()
