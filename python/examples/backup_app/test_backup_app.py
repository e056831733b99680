"""The backup app against ricloud-mock, through the pytest plugin: each test has its own tenant (token, clock,
faults), so the file runs serially or with `pytest -n 4` alike. Time moves only by the tenant's clock."""

import base64
import hashlib
import hmac
import json
import time

import pytest
import requests

EMAIL = "jane@example.com"


def connect(app, tenant, email=EMAIL):
    """A 2FA account: refused without the code, active with it."""
    status, first = app.post("/accounts", {"email": email, "password": "x"})
    assert status == 201
    tenant.advance(3)
    assert app.get("/accounts/" + email)[1] == {"session": first["session"], "state": "failed",
                                                "error": "code-required"}
    status, second = app.post("/accounts", {"email": email, "password": "x", "code": "123456"})
    tenant.advance(3)
    assert app.get("/accounts/" + email)[1]["state"] == "active"
    return second["session"]


def test_an_account_needs_its_2fa_code(backup_app, ricloud_tenant):
    connect(backup_app, ricloud_tenant)


@pytest.mark.parametrize(
    "payload, identifiers",
    [
        ({"info_types": ["account.info"]}, {"info:account.info"}),
        ({"data_types": ["callkit.calls"]}, {"data:callkit.calls"}),
        ({"info_types": ["account.info"], "data_types": ["callkit.calls"]}, {"info:account.info", "data:callkit.calls"}),
    ],
    ids=["info", "data", "both"],
)
def test_a_backup_is_downloaded_md5_checked_and_acknowledged(backup_app, ricloud_tenant, ricloud_client, payload,
                                                            identifiers):
    connect(backup_app, ricloud_tenant)
    status, started = backup_app.post("/backups", {"email": EMAIL, **payload})
    assert status == 201
    ricloud_tenant.advance_until_idle(max_seconds=600)  # the poll runs; its poll.completed webhook is handled
    status, saved = backup_app.get("/backups/" + started["poll"])
    assert status == 200 and saved["state"] == "completed" and saved["errors"] == []
    assert {f["identifier"] for f in saved["files"]} == identifiers
    for f in saved["files"]:
        result = ricloud_client.Result.retrieve(f["result"])
        assert (result.state, result.checksum, result.size) == ("consumed", f["md5"], f["size"])
    events = backup_app.get("/events")[1]
    assert "poll.completed" in events["events"] and events["refused"] == 0


def test_a_forced_task_failure_is_reported_and_nothing_is_acknowledged(backup_app, ricloud_tenant):
    ricloud_tenant.force_task_failure(type="callkit.calls", error="data-unavailable")
    connect(backup_app, ricloud_tenant)
    started = backup_app.post("/backups", {"email": EMAIL, "data_types": ["callkit.calls"]})[1]
    ricloud_tenant.advance_until_idle(max_seconds=600)
    saved = backup_app.get("/backups/" + started["poll"])[1]
    assert saved["files"] == []
    assert [e["error"] for e in saved["errors"]] == ["data-unavailable"]


def test_the_client_retries_through_three_503s(backup_app, ricloud_tenant):
    connect(backup_app, ricloud_tenant)
    ricloud_tenant.add_fault(kind="error", status=503, count=3, method="POST", path="/polls")
    status, started = backup_app.post("/backups", {"email": EMAIL, "info_types": ["account.info"]})
    assert status == 201
    statuses = [e["status"] for e in ricloud_tenant.requests(path="/polls", method="POST")["data"]]
    assert statuses == [201, 503, 503, 503]  # newest first: three refused, then the retry that went through


def test_a_locked_account_cannot_back_up(backup_app, ricloud_tenant):
    ricloud_tenant.force_session_outcome(source_identifier="locked@example.com", state="failed",
                                         error="account-locked")
    backup_app.post("/accounts", {"email": "locked@example.com", "password": "x", "code": "123456"})
    ricloud_tenant.advance(3)
    assert backup_app.get("/accounts/locked@example.com")[1]["error"] == "account-locked"
    status, refused = backup_app.post("/backups", {"email": "locked@example.com", "info_types": ["account.info"]})
    assert (status, refused["error"]) == (409, "session-not-active")


def test_a_forged_webhook_is_refused_by_the_official_check(backup_app):
    body = json.dumps({"id": "00000000-0000-4000-8000-000000000000", "type": "poll", "action": "completed",
                       "data": {"id": "x"}})
    t = int(time.time())
    forged = base64.b64encode(hmac.new(b"a guessed secret", ("%d.%s" % (t, body)).encode(),
                                       hashlib.sha256).digest()).decode()
    res = requests.post(backup_app.url + "/webhooks/00000000-0000-4000-8000-000000000000", data=body,
                        headers={"Content-Type": "application/json", "Ricloud-Signature": "t=%d,s=%s" % (t, forged)},
                        timeout=10)
    assert res.status_code == 400
    assert backup_app.get("/events")[1]["refused"] == 1


def test_a_stale_signature_is_refused(backup_app, ricloud_tenant, ricloud_mock):
    """A real delivery's body and secret, signed 601 s ago: the official check's 600 s limit refuses it."""
    secret = ricloud_tenant.get("/configs/webhook")["data"][0]["secret"]
    body = json.dumps({"id": "00000000-0000-4000-8000-000000000001", "type": "poll", "action": "completed",
                       "data": {"id": "x"}})
    t = int(time.time()) - 601
    sig = base64.b64encode(hmac.new(secret.encode(), ("%d.%s" % (t, body)).encode(), hashlib.sha256).digest())
    header = "t=%d,s=%s" % (t, sig.decode())
    verdict = ricloud_mock.control.verify_webhook_signature(header, body, secret)
    assert (verdict["ok"], verdict["reason"]) == (False, "stale-timestamp")
    res = requests.post(backup_app.url + "/webhooks/00000000-0000-4000-8000-000000000001", data=body,
                        headers={"Content-Type": "application/json", "Ricloud-Signature": header}, timeout=10)
    assert res.status_code == 400
