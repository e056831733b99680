"""Full flows of the official client in parallel workers, a tenant per item, against one shared mock (manual clock).

Each item is one full flow in a tenant of its own: a webhook config made valid by its test event, a user, a 2FA session (refused
without the code, active with it), a poll of data and info types, its results downloaded and md5-checked, then
acknowledged; every event of the tenant delivered to the worker's own receiver and verified with the tenant's secret;
the tenant's clock moved by exactly this worker's advances, running only this tenant's jobs. ROUNDS x WORKERS items.
"""

import hashlib
import os

import pytest

ROUNDS = int(os.environ.get("PARALLEL_ROUNDS", "20"))
WORKERS = int(os.environ.get("PARALLEL_WORKERS", "4"))


class Timeline:
    """The tenant's clock as this worker moves it: each advance must start where the previous one ended and run
    only this tenant's jobs, or another worker moved our time."""

    def __init__(self, tenant):
        self.tenant = tenant
        self.now = tenant.clock()["now"]

    def advance(self, seconds):
        report = self.tenant.advance(seconds)
        assert report["from"] == self.now, ("someone else moved this tenant's clock", report["from"], self.now)
        assert {str(job["organisation"]) for job in report["ran"]} <= {self.tenant.id}, report["ran"]
        self.now = report["now"]
        return report


@pytest.mark.parametrize("round_no", range(ROUNDS))
@pytest.mark.parametrize("slot", range(WORKERS))
def test_a_full_flow_in_its_own_tenant(ricloud_tenant, ricloud_client, receiver, tmp_path, round_no, slot):
    from ricloud import conf, storage

    ricloud = ricloud_client
    tenant = ricloud_tenant  # this item's own tenant; the other items' tenants are left alone
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    app, recorder, url = receiver
    time = Timeline(tenant)

    config = ricloud.WebhookConfig.create(url=url)
    app.config["WEBHOOK_SECRET"] = config.secret
    app.config["WEBHOOK_DELTA"] = conf.getint("webhooks", "delta")  # 600, the client's default
    time.advance(2)  # the config test event, delivered and verified before advance answers
    config.refresh()
    assert config.state == "valid"

    user = ricloud.User.create(identifier="worker-%s-round-%d-%d" % (worker, round_no, slot))
    source = {"user": user.id, "type": "icloud.account", "identifier": "flow%d@example.com" % slot}
    refused = ricloud.Session.create(source=source, payload={"password": "x"})
    time.advance(3)
    refused.refresh()
    assert (refused.state, refused.error) == ("failed", "code-required")
    session = ricloud.Session.create(source=source, payload={"password": "x", "code": "123456"})
    time.advance(3)
    session.refresh()
    assert session.state == "active"

    poll = ricloud.Poll.create(
        session=session.id, payload={"info_types": ["account.info"], "data_types": ["callkit.calls"]}
    )
    time.advance(30)
    poll.refresh()
    assert poll.state == "completed"
    results = list(poll.results)
    assert {r.identifier for r in results} == {"info:account.info", "data:callkit.calls"}
    for result in results:
        target = str(tmp_path / result.id)
        storage.download_result(result.url, to_filename=target)
        data = open(target, "rb").read()
        assert hashlib.md5(data).hexdigest() == result.checksum
        assert len(data) == result.size
        result.acknowledge()
        assert result.state == "consumed"
    time.advance(1)  # nothing new is due: the acks' events are delivered

    events = list(ricloud.Event.list(limit=1000))
    assert {(e.type, e.action) for e in events} >= {("webhook_config", "test"), ("poll", "created"),
                                                    ("poll", "completed"), ("task", "succeeded")}
    assert {e.state for e in events} == {"delivered"}
    seen = recorder.take()
    assert [s for s in seen if s[1] != 200] == []  # every signature verified with this tenant's secret
    assert sorted(path.rsplit("/", 1)[1] for path, _ in seen) == sorted(e.id for e in events)
