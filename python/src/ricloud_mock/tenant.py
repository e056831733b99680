"""A tenant of a mock: an isolated organisation with its own key, clock and job queue, and its webhooks."""

import requests

from .webhooks import DEFAULT_DELTA, WebhookReceiver

__all__ = ["Tenant", "TenantWebhooks", "WebhookTimeout"]


class WebhookTimeout(AssertionError):
    """The awaited event did not arrive although the tenant's clock ran until idle."""


class Tenant:
    """One organisation of the mock: `id`, `token`, `url` (the ricloud API), `control` (the mock's ControlClient).
    Every clock, fault, forced-outcome and scenario call is scoped to this tenant. `api` is a requests.Session
    with the tenant's `Authorization: Token` header, and `get`/`post`/`delete` call the ricloud API with it."""

    def __init__(self, control, url, created):
        self.control = control
        self.url = url.rstrip("/")
        self.created = created
        self.organisation = created["organisation"]
        self.id = str(self.organisation["id"])
        self.token = created["token"]
        self.api = requests.Session()
        self.api.headers["Authorization"] = "Token " + self.token

    @classmethod
    def create(cls, control, url, name, **options):
        """`POST /_mock/organisations`: a new tenant (options: preset, scopes, storage, token, clock)."""
        return cls(control, url, control.create_organisation(name, **options))

    def __repr__(self):
        return "Tenant(id=%s, url=%r)" % (self.id, self.url)

    # -- the ricloud API as this tenant ---------------------------------------------------------------------------

    def _api(self, method, path, json_body=None, params=None):
        res = self.api.request(method, self.url + path, json=json_body, params=params, timeout=60)
        res.raise_for_status()
        return res.json() if res.content else None

    def get(self, path, **params):
        return self._api("GET", path, params=params)

    def post(self, path, body=None):
        return self._api("POST", path, json_body=body if body is not None else {})

    def delete(self, path):
        return self._api("DELETE", path)

    # -- its clock ------------------------------------------------------------------------------------------------

    def clock(self):
        """`GET /_mock/clock?organisation=<id>`: this tenant's clock and pending jobs."""
        return self.control.clock(organisation=self.id)

    def now(self):
        return self.clock()["now"]

    def advance(self, seconds):
        """Moves this tenant's clock only; answers once every job of it due on the way (deliveries too) has run."""
        return self.control.advance(seconds, organisation=self.id)

    def advance_until_idle(self, max_seconds=None):
        """Jumps this tenant's clock to each next due job until its queue is empty (or `max_seconds` passed)."""
        return self.control.advance_until_idle(organisation=self.id, max_seconds=max_seconds)

    def jobs(self, limit=None):
        return self.control.list_jobs(organisation=self.id, limit=limit)

    def reset(self):
        """Back to this tenant's creation state (its clock too)."""
        return self.control.reset_organisation(self.id)

    def delete_tenant(self):
        return self.control.delete_organisation(self.id)

    # -- faults, forced outcomes, scenarios ------------------------------------------------------------------------

    def add_fault(self, **fault):
        """A fault on this tenant's ricloud requests (kind, method, path, count, status, retry_after, ...)."""
        fault["organisation"] = self.id
        return self.control.add_fault(**fault)

    def faults(self):
        """The faults scoped to this tenant."""
        listed = self.control.list_faults()
        items = listed.get("data", listed) if isinstance(listed, dict) else listed
        return [f for f in items if str(f.get("organisation")) == self.id]

    def delete_fault(self, id):
        return self.control.delete_fault(id)

    def force_session_outcome(self, **outcome):
        """The next session(s) of a source identifier in this tenant end as given (state, error, delay_seconds,
        source_state, count), or one session (session=<id>)."""
        outcome["organisation"] = self.id
        return self.control.force_session_outcome(**outcome)

    def force_task_failure(self, **failure):
        """The next task(s) of a type in this tenant fail (type, error, message, count, ...)."""
        failure["organisation"] = self.id
        return self.control.force_task_failure(**failure)

    def expire_session(self, session_id, trigger=None):
        return self.control.expire_session(session_id, trigger=trigger)

    def load_scenario(self, name):
        """Runs a named scenario (`GET /_mock/scenarios`) for this tenant."""
        return self.control.load_scenario(name, organisation=self.id)

    # -- observation ----------------------------------------------------------------------------------------------

    def requests(self, **filters):
        """This tenant's entries of the request journal (filters path, status, since, method, limit)."""
        return self.control.list_requests(organisation=self.id, **filters)

    def records(self, collection=None, **filters):
        """Counts of every collection, or one collection's records (filters state, q, session, poll, ...)."""
        if collection is None:
            return self.control.count_records(self.id)
        return self.control.list_records(self.id, collection, **filters)

    def record(self, collection, record):
        return self.control.get_record(self.id, collection, record)

    def result_content(self, result_id):
        return self.control.get_result_content(self.id, result_id)

    def deliveries(self, event=None, status=None):
        return self.control.list_deliveries(event=event, status=status)


class TenantWebhooks:
    """A WebhookReceiver set as the tenant's webhook config, verifying every delivery with the config's secret.
    Waits move the tenant's clock (until idle), never wall time."""

    def __init__(self, tenant, delta=DEFAULT_DELTA, max_seconds=None):
        self.tenant = tenant
        self.max_seconds = max_seconds
        self.receiver = WebhookReceiver(delta=delta)
        self.url = self.receiver.url
        self.config = None
        self.secret = None

    def configure(self):
        """Creates the tenant's webhook config at this receiver (`POST /configs/webhook`); its test event arrives
        on the next advance and, verified, makes the config valid (and the organisation's default)."""
        self.config = self.tenant.post("/configs/webhook", {"url": self.url})
        self.secret = self.config["secret"]
        self.receiver.secret = self.secret
        report = self.tenant.advance_until_idle(max_seconds=self.max_seconds)
        state = self.tenant.get("/configs/webhook/%s" % self.config["id"])["state"]
        if state != "valid":
            raise AssertionError("the webhook config at %s is %s, not valid: %r" % (self.url, state,
                                                                                  self.receiver.deliveries))
        self.config["state"] = state
        return report

    @property
    def deliveries(self):
        return self.receiver.deliveries

    @property
    def events(self):
        """Verified events, in arrival order (the config's test event included)."""
        return self.receiver.events

    @property
    def rejected(self):
        """Deliveries whose signature did not verify."""
        return self.receiver.rejected

    def clear(self):
        self.receiver.clear()

    def matching(self, type=None, action=None, predicate=None):
        """The verified events of `type` (`"poll"`, or `"poll.completed"`), `action`, and `predicate(event)`."""
        if type and "." in type and action is None:
            type, action = type.split(".", 1)
        found = []
        for event in self.events:
            if type is not None and event.get("type") != type:
                continue
            if action is not None and event.get("action") != action:
                continue
            if predicate is not None and not predicate(event):
                continue
            found.append(event)
        return found

    def wait_for(self, type=None, action=None, predicate=None, count=1, max_seconds=None):
        """Runs the tenant's clock until idle (every due job and delivery done), then returns the first `count`
        matching verified events; raises WebhookTimeout listing what arrived when fewer matched."""
        found = self.matching(type, action, predicate)
        if len(found) < count:
            self.tenant.advance_until_idle(max_seconds=max_seconds if max_seconds is not None else self.max_seconds)
            found = self.matching(type, action, predicate)
        if len(found) < count:
            arrived = ["%s.%s" % (e.get("type"), e.get("action")) for e in self.events]
            raise WebhookTimeout("expected %d %s event(s), got %d after the tenant's clock ran until idle; "
                                 "verified: %s; rejected: %r" % (count, ".".join(x for x in (type, action) if x)
                                                                 or "any", len(found), arrived, self.rejected))
        return found[:count] if count > 1 else found[0]

    def close(self):
        self.receiver.close()
