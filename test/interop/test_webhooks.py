"""The client's own webhook receiver (ricloud.webhooks, Flask, verifying Ricloud-Signature with ricloud.signing),
served single-threaded by werkzeug's make_server, receiving every event of a session and a poll."""

import json
import threading
import time

import pytest
import requests

from conftest import wait_until


class Recorder:
    """WSGI middleware around the client's app: records each request's path and the status the app answered."""

    def __init__(self, app):
        self.app = app
        self.seen = []
        self.headers = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        status = {}

        def recording_start_response(s, headers, exc_info=None):
            status["code"] = int(s.split(" ", 1)[0])
            return start_response(s, headers, exc_info)

        header = environ.get("HTTP_RICLOUD_SIGNATURE")
        body = b"".join(self.app(environ, recording_start_response))
        with self.lock:
            self.seen.append((path, status["code"], time.monotonic()))
            self.headers.append(header)
        return [body]

    def ok_ids(self):
        with self.lock:
            return [path.rsplit("/", 1)[1] for path, code, _ in self.seen if code == 200]


@pytest.fixture
def receiver(ricloud):
    from werkzeug.serving import make_server

    from ricloud.webhooks import app

    recorder = Recorder(app)
    server = make_server("127.0.0.1", 0, recorder)  # single-threaded: one connection at a time
    assert not server.multithread
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, recorder, "http://127.0.0.1:%d/webhooks" % server.server_port
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def test_the_clients_receiver_gets_every_event_of_a_poll_signed(ricloud, receiver, monkeypatch):
    from ricloud import conf
    from ricloud.samples import helpers

    app, recorder, url = receiver
    config = ricloud.WebhookConfig.create(url=url)
    # The receiver's settings, as `ricloud event listen` reads them: RICLOUD_SECRET and RICLOUD_DELTA.
    monkeypatch.setenv("RICLOUD_SECRET", config.secret)
    monkeypatch.setenv("RICLOUD_DELTA", "600")
    app.config["WEBHOOK_SECRET"] = conf.get("webhooks", "secret")
    app.config["WEBHOOK_DELTA"] = conf.getint("webhooks", "delta")
    assert app.config["WEBHOOK_SECRET"] == config.secret and app.config["WEBHOOK_DELTA"] == 600

    task = config.test()["attrs"]
    assert task.state == "succeeded"
    config.refresh()
    assert config.state == "valid"

    user = helpers.get_or_create_user("hooks")
    session = ricloud.Session.create(
        source={"user": user.id, "type": "icloud.account", "identifier": "hooks+no2fa@example.com"},
        payload={"password": "x"},
    )
    poll = helpers.create_poll(
        {"info_types": ["account.info"], "data_types": ["callkit.calls", "ios_notes.notes"]}, session=session.id
    )
    assert poll.state == "completed"

    events = list(ricloud.Event.list(limit=1000))
    wait_until(lambda: set(recorder.ok_ids()) >= {e.id for e in events}, timeout=20, what="every event delivered")
    assert not [s for s in recorder.seen if s[1] != 200]  # every signature verified, every event handled
    ids = recorder.ok_ids()
    assert len(ids) == len(set(ids))  # none twice
    kinds = {(e.type, e.action) for e in events}
    assert kinds == {("webhook_config", "test"), ("poll", "created"), ("poll", "completed"),
                     ("task", "created"), ("task", "succeeded")}
    of_poll = [e for e in events if (e.data.id if e.type == "poll" else e.data.get("poll")) == poll.id]
    assert len(of_poll) == 2 + 2 * 3  # the poll's created and completed, each of its 3 tasks' created and succeeded
    assert {e.id for e in of_poll} <= set(ids)
    assert {e.state for e in ricloud.Event.list(limit=1000)} == {"delivered"}


def test_the_clients_receiver_refuses_a_wrong_signature(ricloud, receiver):
    from ricloud.signing import Signature

    app, recorder, url = receiver
    app.config["WEBHOOK_SECRET"] = "the-real-secret"
    app.config["WEBHOOK_DELTA"] = 600
    body = json.dumps({"type": "poll", "action": "created", "data": {}})
    event_url = url + "/00000000-0000-4000-8000-000000000000"
    forged = Signature.sign(body, "another-secret").to_header()
    res = requests.post(event_url, data=body, headers={"Content-Type": "application/json", "Ricloud-Signature": forged})
    assert res.status_code == 400
    good = Signature.sign(body, "the-real-secret").to_header()
    res = requests.post(event_url, data=body, headers={"Content-Type": "application/json", "Ricloud-Signature": good})
    assert res.status_code == 200
    assert [code for _, code, _ in recorder.seen] == [400, 200]


def test_a_manual_clock_mock_delivers_to_the_clients_receiver_with_its_default_age_limit(
    ricloud, receiver, manual_mock, monkeypatch
):
    """Under `--clock manual` (the README's mode for tests; its clock sits at 2026-01-01) the client's own receiver,
    with the default age limit (ricloud.ini's delta, 600 s, compared with time.time()), accepts every delivery: the
    signature's t is wall time, the events' dates are mock time."""
    import ricloud.webhooks
    from ricloud import conf
    from ricloud.signing import Signature

    # The client reads ricloud.url and ricloud.token on every request: point it at the manual-clock mock. Its await
    # setting (RICLOUD_AWAIT_FOR, read once at import) is 0 here, as for any manual-clock mock: a held Ricloud-Await
    # would wait for an advance that this single-threaded test makes only after the answer.
    from ricloud.resources.abase import ABResource

    monkeypatch.setattr(ricloud, "url", manual_mock.url)
    monkeypatch.setattr(ricloud, "token", manual_mock.token)
    monkeypatch.setattr(ABResource.request_handler, "await_for", None)
    manual_mock.reset()
    assert manual_mock.control("GET", "/clock")["mode"] == "manual"

    app, recorder, url = receiver
    config = ricloud.WebhookConfig.create(url=url)
    assert config.state == "new"  # under the manual clock nothing happens until the test advances it
    app.config["WEBHOOK_SECRET"] = config.secret
    app.config["WEBHOOK_DELTA"] = conf.getint("webhooks", "delta")
    assert app.config["WEBHOOK_DELTA"] == 600
    assert ricloud.webhooks.verify_request.__defaults__ == (600,)  # the client's default, unchanged

    manual_mock.advance(2)  # the config test runs and is delivered before advance answers
    config.refresh()
    assert config.state == "valid"
    assert [code for _, code, _ in recorder.seen] == [200]

    user = ricloud.User.create(identifier="manual-hooks")
    source = {"user": user.id, "type": "icloud.account", "identifier": "manual+no2fa@example.com"}
    session = ricloud.Session.create(source=source, payload={"password": "x"})
    manual_mock.advance(3)
    session.refresh()
    assert session.state == "active"
    poll = ricloud.Poll.create(session=session.id, payload={"info_types": ["account.info"], "data_types": ["callkit.calls"]})
    manual_mock.advance(10)
    poll.refresh()
    assert poll.state == "completed"

    events = list(ricloud.Event.list(limit=1000))
    assert {(e.type, e.action) for e in events} >= {("webhook_config", "test"), ("poll", "created"),
                                                    ("poll", "completed"), ("task", "succeeded")}
    assert {e.state for e in events} == {"delivered"}
    assert sorted(recorder.ok_ids()) == sorted(e.id for e in events)
    assert not [s for s in recorder.seen if s[1] != 200]
    # The events are dated on the mock clock; the signatures carry this machine's time.
    assert {str(e.date_created)[:10] for e in events} == {"2026-01-01"}
    now = int(time.time())
    for header in recorder.headers:
        assert abs(now - Signature.from_header(header).timestamp) < 600
