# conftest.py: project fixtures on top of ricloud-mock's pytest plugin (pip install ricloud-mock: it loads itself).
# The plugin starts the mock once per session (once per xdist worker) and gives each test a tenant of its own.
import pytest


@pytest.fixture
def icloud_session(ricloud_tenant):
    """An iCloud account signed in with its 2FA code, in this test's tenant (its own token and clock)."""
    user = ricloud_tenant.post("/users", {"identifier": "me"})
    source = {"user": user["id"], "type": "icloud.account", "identifier": "john@example.com"}
    payload = {"password": "x", "code": "123456"}
    session = ricloud_tenant.post("/sessions", {"source": source, "payload": payload})
    ricloud_tenant.advance(5)  # the session check runs on the tenant's clock: no sleeping
    return ricloud_tenant.get("/sessions/" + session["id"])
