"""The control client against a real mock (the session's `ricloud_mock`), one family of /_mock per test."""

import hashlib

import pytest
import requests

from ricloud_mock import ControlClient, ControlError, WebhookReceiver


def make_session(tenant, identifier="jane@example.com", code="123456"):
    user = tenant.post("/users", {"identifier": "user-" + identifier})
    source = {"user": user["id"], "type": "icloud.account", "identifier": identifier}
    payload = {"password": "x", "code": code} if code else {"password": "x"}
    return tenant.post("/sessions", {"source": source, "payload": payload})


def test_health_and_errors_carry_the_mocks_body(ricloud_mock):
    assert ricloud_mock.control.health() == {"status": "ok"}
    with pytest.raises(ControlError) as caught:
        ricloud_mock.control.get_organisation("987654")
    err = caught.value
    assert err.status == 404
    assert err.error and err.message
    assert isinstance(err.params, dict)
    assert "987654" in str(err) or err.params


def test_a_bad_body_is_a_400_that_changes_nothing(ricloud_mock):
    before = ricloud_mock.control.list_faults()
    with pytest.raises(ControlError) as caught:
        ricloud_mock.control.add_fault(kind="no-such-kind")
    assert caught.value.status == 400
    assert caught.value.error
    assert ricloud_mock.control.list_faults() == before


def test_posts_without_json_are_refused_so_the_client_always_sends_json(ricloud_mock):
    res = requests.post(ricloud_mock.url + "/_mock/clock/advance", data="seconds=1",
                        headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert res.status_code == 415
    # the client's POST with no body at all still sends `{}` as JSON
    tenant_id = ricloud_mock.control.create_organisation("json-check")["organisation"]["id"]
    assert ricloud_mock.control.reset_organisation(tenant_id) is not None
    ricloud_mock.control.delete_organisation(tenant_id)


def test_tenants_have_their_own_clocks(ricloud_mock):
    control = ricloud_mock.control
    a = control.create_organisation("clock a")
    b = control.create_organisation("clock b", clock={"mode": "manual", "start": "2030-01-01T00:00:00Z"})
    a_id, b_id = a["organisation"]["id"], b["organisation"]["id"]
    try:
        assert a["token"] != b["token"]
        before_b = control.clock(organisation=b_id)["now"]
        report = control.advance(3600, organisation=a_id)
        assert report["now"] != report["from"]
        assert control.clock(organisation=b_id)["now"] == before_b == "2030-01-01T00:00:00.000000Z"
        assert str(control.get_organisation(a_id)["organisation"]["id"]) == str(a_id)
        listed = control.list_organisations()
        ids = {str(o["organisation"]["id"] if "organisation" in o else o["id"]) for o in listed["data"]}
        assert {str(a_id), str(b_id)} <= ids
        idle = control.advance_until_idle(organisation=b_id)
        assert idle["idle"] is True
    finally:
        control.delete_organisation(a_id)
        control.delete_organisation(b_id)
    with pytest.raises(ControlError) as caught:
        control.clock(organisation=a_id)
    assert caught.value.status == 404


def test_a_tenant_reset_returns_it_to_its_creation_state(ricloud_tenant):
    ricloud_tenant.post("/users", {"identifier": "to-be-reset"})
    start = ricloud_tenant.now()
    ricloud_tenant.advance(100)
    assert ricloud_tenant.records()["counts"]["users"] == 1
    ricloud_tenant.reset()
    assert ricloud_tenant.now() == start
    assert [u["identifier"] for u in ricloud_tenant.get("/users")["data"]] == []


def test_faults_fail_requests_of_the_tenant_only(ricloud_mock, ricloud_tenant):
    fault = ricloud_tenant.add_fault(kind="error", status=503, count=2, path="/users*")
    assert [f["id"] for f in ricloud_tenant.faults()] == [fault["id"]]
    res = [ricloud_tenant.api.get(ricloud_tenant.url + "/users", timeout=10).status_code for _ in range(3)]
    assert res == [503, 503, 200]
    other = ricloud_tenant.add_fault(kind="error", status=500, path="/users*")
    ricloud_mock.control.delete_fault(other["id"])
    assert ricloud_tenant.api.get(ricloud_tenant.url + "/users", timeout=10).status_code == 200
    ricloud_tenant.add_fault(kind="error", status=500, path="/users*")
    ricloud_mock.control.clear_faults()
    assert ricloud_tenant.faults() == []


def test_a_forced_session_outcome_and_an_expiry(ricloud_tenant):
    ricloud_tenant.force_session_outcome(source_identifier="locked@example.com", state="failed",
                                         error="account-locked")
    refused = make_session(ricloud_tenant, "locked@example.com")
    ricloud_tenant.advance(5)
    assert ricloud_tenant.get("/sessions/" + refused["id"])["error"] == "account-locked"
    session = make_session(ricloud_tenant, "ok@example.com")
    ricloud_tenant.advance(5)
    assert ricloud_tenant.get("/sessions/" + session["id"])["state"] == "active"
    ricloud_tenant.expire_session(session["id"], trigger="admin")
    assert ricloud_tenant.get("/sessions/" + session["id"])["state"] == "expired"


def test_a_forced_task_failure_shows_in_the_poll(ricloud_tenant):
    ricloud_tenant.force_task_failure(type="callkit.calls", error="data-unavailable")
    session = make_session(ricloud_tenant)
    ricloud_tenant.advance(5)
    poll = ricloud_tenant.post("/polls", {"session": session["id"], "payload": {"data_types": ["callkit.calls"]}})
    ricloud_tenant.advance_until_idle(max_seconds=120)
    tasks = ricloud_tenant.get("/tasks", poll=poll["id"])["data"]
    assert [(t["state"], t["error"]) for t in tasks] == [("failed", "data-unavailable")]


def test_scenarios_load_for_one_tenant(ricloud_mock, ricloud_tenant):
    names = [s["name"] for s in ricloud_mock.control.list_scenarios()["data"]]
    assert "account-locked" in names
    ricloud_tenant.load_scenario("account-locked")
    with pytest.raises(ControlError) as caught:
        ricloud_tenant.load_scenario("no-such-scenario")
    assert caught.value.status == 404


def test_the_journal_lists_and_clears(ricloud_mock, ricloud_tenant):
    ricloud_tenant.get("/organisation")
    entries = ricloud_tenant.requests(path="/organisation")["data"]
    assert [e["status"] for e in entries][-1:] == [200]
    ricloud_mock.control.clear_requests()
    assert ricloud_mock.control.list_requests(organisation=ricloud_tenant.id)["data"] == []


def test_rate_limit_round_trip(ricloud_mock):
    control = ricloud_mock.control
    before = control.get_rate_limit()
    try:
        control.set_rate_limit(enabled=True, limit=5)
        assert control.get_rate_limit()["limit"] == 5
        assert control.get_rate_limit()["enabled"] is True
    finally:
        control.set_rate_limit(enabled=before["enabled"], limit=before["limit"])
    assert control.get_rate_limit()["enabled"] == before["enabled"]


def test_a_snapshot_exports_and_imports(ricloud_mock, ricloud_tenant):
    ricloud_tenant.post("/users", {"identifier": "snap"})
    state = ricloud_mock.control.export_state()
    assert state["seed"] == "pytest"
    ricloud_tenant.post("/users", {"identifier": "after-snap"})
    ricloud_mock.control.import_state(state)
    assert [u["identifier"] for u in ricloud_tenant.get("/users")["data"]] == ["snap"]


def test_deliveries_redelivery_and_the_mocks_own_signature_check(ricloud_mock, ricloud_tenant, ricloud_webhooks):
    test_event = ricloud_webhooks.wait_for("webhook_config.test")
    delivery = [d for d in ricloud_webhooks.deliveries if d.event["id"] == test_event["id"]][0]
    attempts = ricloud_mock.control.list_deliveries(event=test_event["id"])["data"]
    assert [a["status"] for a in attempts] == [200]
    ricloud_mock.control.redeliver_event(test_event["id"])
    ricloud_tenant.advance_until_idle()
    assert [e["id"] for e in ricloud_webhooks.events].count(test_event["id"]) == 2
    header = delivery.headers["Ricloud-Signature"]
    body = delivery.body.decode("utf-8")
    verdict = ricloud_mock.control.verify_webhook_signature(header, body, ricloud_webhooks.secret)
    assert (verdict["ok"], verdict["reason"]) == (True, "ok")
    tampered = ricloud_mock.control.verify_webhook_signature(header, body + " ", ricloud_webhooks.secret)
    assert (tampered["ok"], tampered["reason"]) == (False, "bad-signature")
    assert "sha256" in str(ricloud_mock.control.describe_webhook_signature()).lower()


def test_a_wrong_secret_is_rejected_and_the_mock_retries(ricloud_mock, ricloud_tenant):
    receiver = WebhookReceiver(secret="not-the-secret")
    try:
        config = ricloud_tenant.post("/configs/webhook", {"url": receiver.url})
        ricloud_tenant.advance(2)
        assert ricloud_tenant.get("/configs/webhook/" + config["id"])["state"] == "invalid"
        assert receiver.events == []
        assert [d.error for d in receiver.rejected] == ["signature does not match the body and secret"]
    finally:
        receiver.close()


def test_jobs_machines_and_allow(ricloud_mock, ricloud_tenant):
    make_session(ricloud_tenant)
    jobs = ricloud_tenant.jobs()["data"]
    assert {str(j["organisation"]) for j in jobs} == {ricloud_tenant.id}
    assert "session" in str(ricloud_mock.control.list_machines())
    with pytest.raises(ControlError) as caught:
        ricloud_mock.control.allow_subscription("00000000-0000-0000-0000-000000000000")
    assert caught.value.status == 404


def test_records_and_result_content(ricloud_tenant):
    session = make_session(ricloud_tenant)
    ricloud_tenant.advance(5)
    poll = ricloud_tenant.post("/polls", {"session": session["id"], "payload": {"info_types": ["account.info"]}})
    ricloud_tenant.advance(30)
    assert ricloud_tenant.get("/polls/" + poll["id"])["state"] == "completed"
    results = ricloud_tenant.records("results", poll=poll["id"])["data"]
    assert len(results) == 1
    record = ricloud_tenant.record("results", results[0]["id"])
    content = ricloud_tenant.result_content(results[0]["id"])
    assert hashlib.md5(content).hexdigest() == record["data"]["checksum"]
    assert record["data"]["id"] == results[0]["id"]
    assert ricloud_tenant.records()["counts"]["results"] == 1


def test_the_change_stream_reports_a_control_call(ricloud_mock, ricloud_tenant):
    stream = ricloud_mock.control.stream_changes(max_events=2)
    hello = next(stream)
    assert hello["event"] == "hello"
    ricloud_tenant.get("/organisation")
    change = next(stream)
    assert change["event"] == "change"
    stream.close()


def test_a_full_reset_drops_tenants(ricloud_mock):
    created = ricloud_mock.control.create_organisation("gone after reset")
    ricloud_mock.control.reset()
    with pytest.raises(ControlError) as caught:
        ricloud_mock.control.get_organisation(created["organisation"]["id"])
    assert caught.value.status == 404


def test_a_control_token_is_sent_as_bearer(ricloud_mock):
    # The session's mock has no control token: a client with one still works (the header is simply not needed).
    assert ControlClient(ricloud_mock.url, control_token="ignored-token").health() == {"status": "ok"}
