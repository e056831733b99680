"""The fixtures as a test uses them: ricloud_tenant, ricloud_webhooks (signatures checked as the official receiver
checks them), ricloud_client (the official client, unchanged, pointed at the tenant)."""

import base64
import os
import hashlib
import hmac
import time

import pytest

from ricloud_mock import SignatureError, WebhookTimeout, verify_signature


def sign(body, secret, t):
    digest = hmac.new(secret.encode(), ("%d.%s" % (t, body)).encode(), hashlib.sha256).digest()
    return "t=%d,s=%s" % (t, base64.b64encode(digest).decode())


def test_tenants_of_two_tests_are_different(ricloud_tenant, ricloud_mock):
    other = ricloud_mock.control.create_organisation("a neighbour")
    try:
        assert other["token"] != ricloud_tenant.token
        ricloud_tenant.advance(3600)
        neighbour = ricloud_mock.control.clock(organisation=other["organisation"]["id"])
        assert neighbour["now"] != ricloud_tenant.now()
    finally:
        ricloud_mock.control.delete_organisation(other["organisation"]["id"])


def test_signature_check_accepts_fresh_and_refuses_stale_or_tampered():
    now = int(time.time())
    body = '{"id": "e1", "type": "poll", "action": "completed"}'
    verify_signature(sign(body, "s3cret", now), body.encode(), "s3cret")
    with pytest.raises(SignatureError, match="more than 600 s old"):
        verify_signature(sign(body, "s3cret", now - 601), body, "s3cret", now=now)
    verify_signature(sign(body, "s3cret", now - 601), body, "s3cret", delta=0, now=now)  # 0: no age limit
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(sign(body, "s3cret", now), body + " ", "s3cret")
    with pytest.raises(SignatureError, match="invalid signature header"):
        verify_signature("s=abc", body, "s3cret")


def test_our_check_and_the_official_clients_agree_on_real_deliveries(ricloud_client, ricloud_tenant,
                                                                    ricloud_webhooks):
    from ricloud.signing import Signature

    ricloud_tenant.post("/users", {"identifier": "agree"})
    ricloud_webhooks.wait_for("webhook_config.test")
    deliveries = ricloud_webhooks.deliveries
    assert deliveries and all(d.verified for d in deliveries)
    for d in deliveries:
        signature = Signature.from_header(d.headers["Ricloud-Signature"])
        signature.verify(d.body, ricloud_webhooks.secret, delta=600)  # the official check passes too
        with pytest.raises(Signature.InvalidSignature):
            signature.verify(d.body + b" ", ricloud_webhooks.secret, delta=600)
        with pytest.raises(SignatureError):
            verify_signature(d.headers["Ricloud-Signature"], d.body + b" ", ricloud_webhooks.secret)


def test_wait_for_runs_the_tenant_clock_and_names_what_arrived(ricloud_tenant, ricloud_webhooks):
    with pytest.raises(WebhookTimeout, match=r"expected 1 poll.completed event\(s\), got 0.*webhook_config.test"):
        ricloud_webhooks.wait_for("poll", "completed")
    assert ricloud_tenant.clock()["pending_jobs"] == 0  # it ran until idle rather than waiting on wall time


def test_the_official_client_flow_with_signed_webhooks(ricloud_client, ricloud_tenant, ricloud_webhooks, tmp_path):
    ricloud = ricloud_client
    assert (ricloud.url, ricloud.token) == (ricloud_tenant.url, ricloud_tenant.token)
    user = ricloud.User.create(identifier="fixture-user")
    source = {"user": user.id, "type": "icloud.account", "identifier": "john@example.com"}
    refused = ricloud.Session.create(source=source, payload={"password": "x"})
    ricloud_tenant.advance(5)
    refused.refresh()
    assert (refused.state, refused.error) == ("failed", "code-required")
    session = ricloud.Session.create(source=source, payload={"password": "x", "code": "123456"})
    ricloud_tenant.advance(5)
    session.refresh()
    assert session.state == "active"
    poll = ricloud.Poll.create(session=session.id, payload={"info_types": ["account.info"]})
    completed = ricloud_webhooks.wait_for("poll", "completed", predicate=lambda e: e["data"]["id"] == poll.id)
    assert completed["data"]["state"] == "completed"
    poll.refresh()
    from ricloud import storage

    for result in poll.results:
        target = str(tmp_path / result.id)
        storage.download_result(result.url, to_filename=target)
        with open(target, "rb") as f:
            assert hashlib.md5(f.read()).hexdigest() == result.checksum
        result.acknowledge()
    assert ricloud_webhooks.rejected == []


def test_the_client_is_restored_after_a_test(pytester, inner_args, ricloud_client):
    pytester.makepyfile(
        "def test_a(ricloud_client, ricloud_tenant):\n"
        "    assert (ricloud_client.url, ricloud_client.token) == (ricloud_tenant.url, ricloud_tenant.token)\n"
        "def test_b():\n"
        "    import ricloud\n"
        "    from ricloud import conf\n"
        "    assert (ricloud.url, ricloud.token) == (conf.get('api', 'url'), conf.get('api', 'token'))\n"
    )
    folder = os.path.dirname(os.path.dirname(os.path.abspath(ricloud_client.__file__)))
    result = pytester.runpytest_subprocess(*inner_args, "--ricloud-py-path", folder)
    result.assert_outcomes(passed=2)
