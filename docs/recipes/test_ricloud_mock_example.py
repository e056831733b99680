# Tests using the plugin's fixtures and the icloud_session fixture of conftest.py.
def test_the_session_is_active(icloud_session):
    assert icloud_session["state"] == "active"


def test_a_poll_completes_and_its_signed_webhook_arrives(ricloud_tenant, ricloud_webhooks, icloud_session):
    payload = {"info_types": ["account.info"]}
    poll = ricloud_tenant.post("/polls", {"session": icloud_session["id"], "payload": payload})
    event = ricloud_webhooks.wait_for("poll", "completed")  # runs the tenant's clock until idle, then checks
    assert event["data"]["id"] == poll["id"]
    assert ricloud_webhooks.rejected == []  # every delivery verified with the tenant's secret
