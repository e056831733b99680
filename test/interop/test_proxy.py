"""The official client through `ricloud-mock proxy` (node dist/main.js proxy) in front of the mock: the client gets its
answers unchanged (Ricloud-Await long polls included), its traffic and the mock's answers meet the spec (no
mismatch), and the cassette and the report it writes on SIGTERM hold neither the key token nor the password."""

import json
import re
import subprocess

import pytest
import requests

from conftest import REPO, TOKEN, build_mock


@pytest.fixture
def proxy(mock, tmp_path):
    build_mock()
    cassette = tmp_path / "cassette"
    report = tmp_path / "report.json"
    proc = subprocess.Popen(
        ["node", "dist/main.js", "proxy", "--upstream", mock.url, "--port", "0",
         "--record", str(cassette), "--report", str(report)],
        cwd=str(REPO),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = proc.stdout.readline()
    found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
    if not found:
        proc.kill()
        pytest.fail("the proxy did not start: %s%s" % (line, proc.stdout.read()))
    try:
        yield {"url": found.group(1), "cassette": cassette, "report": report, "proc": proc}
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stdout.close()


def test_the_official_client_through_the_proxy_meets_the_spec_and_leaves_no_secret(ricloud, proxy, monkeypatch):
    # The client reads ricloud.url on every request: point it at the proxy; the key passes through.
    monkeypatch.setattr(ricloud, "url", proxy["url"])
    assert ricloud.Organisation.retrieve().resource == "organisation"
    user = ricloud.User.create(identifier="proxy-user")
    source = {"user": user.id, "type": "icloud.account", "identifier": "twofa@example.com"}
    session = ricloud.Session.create(source=source, payload={"password": "proxy-secret-pw", "code": "123456"})
    assert session.state == "active"
    poll = ricloud.Poll.create(session=session.id, payload={"info_types": ["account.info"]})
    # The client's own sample loop (ricloud/samples/utils.py): refresh until no longer pending or processing.
    from ricloud.samples.utils import await_response

    await_response(poll)
    assert poll.state == "completed" and len(poll.results) == 1

    report = requests.get(proxy["url"] + "/_mock/proxy/report", timeout=10).json()
    assert report["mismatches"] == []
    assert report["exchanges"] >= 4

    proxy["proc"].terminate()
    assert proxy["proc"].wait(10) == 0
    written = json.loads(proxy["report"].read_text())
    assert written["mismatches"] == [] and written["exchanges"] == report["exchanges"]
    files = sorted(proxy["cassette"].iterdir())
    assert len(files) == report["exchanges"]
    texts = [f.read_text() for f in files] + [proxy["report"].read_text()]
    assert not [t for t in texts if TOKEN in t or "proxy-secret-pw" in t]
    sessions = [json.loads(f.read_text())["log"]["entries"][0] for f in files]
    posted = [e["request"]["postData"]["text"] for e in sessions if e["_ricloud"]["target"] == "/sessions"]
    assert len(posted) == 1
    assert json.loads(posted[0])["payload"] == {"password": "[REDACTED]", "code": "[REDACTED]"}
