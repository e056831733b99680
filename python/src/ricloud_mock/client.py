"""A client for ricloud-mock's control API, `/_mock` (openapi/control.yaml).

Every operation of the spec is one method; `OPERATIONS` maps each operationId to its HTTP method, path and method
name, and the package's test suite fails when the spec and this table differ (either way).
"""

import json

import requests

__all__ = ["ControlClient", "ControlError", "OPERATIONS"]

# operationId -> (HTTP method, path template, ControlClient method name)
OPERATIONS = {
    "getHealth": ("GET", "/_mock/health", "health"),
    "getClock": ("GET", "/_mock/clock", "clock"),
    "advanceClock": ("POST", "/_mock/clock/advance", "advance"),
    "resetMock": ("POST", "/_mock/reset", "reset"),
    "listOrganisations": ("GET", "/_mock/organisations", "list_organisations"),
    "createOrganisation": ("POST", "/_mock/organisations", "create_organisation"),
    "getOrganisationTenant": ("GET", "/_mock/organisations/{id}", "get_organisation"),
    "deleteOrganisation": ("DELETE", "/_mock/organisations/{id}", "delete_organisation"),
    "resetOrganisation": ("POST", "/_mock/organisations/{id}/reset", "reset_organisation"),
    "listScenarios": ("GET", "/_mock/scenarios", "list_scenarios"),
    "forceSessionOutcome": ("POST", "/_mock/scenarios/sessions", "force_session_outcome"),
    "expireSession": ("POST", "/_mock/sessions/{id}/expire", "expire_session"),
    "forceTaskFailure": ("POST", "/_mock/scenarios/tasks", "force_task_failure"),
    "loadScenario": ("POST", "/_mock/scenarios/load", "load_scenario"),
    "listFaults": ("GET", "/_mock/faults", "list_faults"),
    "addFault": ("POST", "/_mock/faults", "add_fault"),
    "clearFaults": ("DELETE", "/_mock/faults", "clear_faults"),
    "deleteFault": ("DELETE", "/_mock/faults/{id}", "delete_fault"),
    "getRateLimit": ("GET", "/_mock/rate-limit", "get_rate_limit"),
    "setRateLimit": ("PUT", "/_mock/rate-limit", "set_rate_limit"),
    "listRequests": ("GET", "/_mock/requests", "list_requests"),
    "clearRequests": ("DELETE", "/_mock/requests", "clear_requests"),
    "exportState": ("GET", "/_mock/state", "export_state"),
    "importState": ("PUT", "/_mock/state", "import_state"),
    "listDeliveries": ("GET", "/_mock/deliveries", "list_deliveries"),
    "redeliverEvent": ("POST", "/_mock/events/{id}/redeliver", "redeliver_event"),
    "allowSubscription": ("POST", "/_mock/subscriptions/{id}/allow", "allow_subscription"),
    "describeWebhookSignature": ("GET", "/_mock/webhooks/verify", "describe_webhook_signature"),
    "verifyWebhookSignature": ("POST", "/_mock/webhooks/verify", "verify_webhook_signature"),
    "streamChanges": ("GET", "/_mock/changes", "stream_changes"),
    "listJobs": ("GET", "/_mock/clock/jobs", "list_jobs"),
    "listMachines": ("GET", "/_mock/machines", "list_machines"),
    "countRecords": ("GET", "/_mock/organisations/{id}/records", "count_records"),
    "listRecords": ("GET", "/_mock/organisations/{id}/records/{collection}", "list_records"),
    "getRecord": ("GET", "/_mock/organisations/{id}/records/{collection}/{record}", "get_record"),
    "getResultContent": ("GET", "/_mock/organisations/{id}/records/results/{record}/content", "get_result_content"),
}


class ControlError(Exception):
    """A `/_mock` call answered with a non-2xx status. Carries the mock's error body ({error, message, params})."""

    def __init__(self, status, body, method, path):
        self.status = status
        self.method = method
        self.path = path
        self.body = body
        if isinstance(body, dict):
            self.error = body.get("error")
            self.message = body.get("message")
            self.params = body.get("params") or {}
        else:
            self.error = None
            self.message = body
            self.params = {}
        super().__init__("%s %s answered %s %s: %s" % (method, path, status, self.error or "", self.message))


def _drop_none(values):
    return {k: v for k, v in values.items() if v is not None}


def _org(value):
    """An organisation reference as the control bodies take it (a JSON integer)."""
    return None if value is None else int(value)


class ControlClient:
    """The `/_mock` API of one mock. `url` is the mock's base url (no `/_mock`); `control_token` is the mock's
    `--control-token`, when it has one (sent as `Authorization: Bearer`)."""

    def __init__(self, url, control_token=None, timeout=60, session=None):
        self.url = url.rstrip("/")
        self.control_token = control_token or None
        self.timeout = timeout
        self.session = session or requests.Session()

    def __repr__(self):
        return "ControlClient(%r)" % self.url

    # -- plumbing -------------------------------------------------------------------------------------------------

    def request(self, operation_id, path_params=None, params=None, body=None, raw=False, stream=False):
        """Calls one operation of control.yaml by its operationId. POST and PUT always send a JSON body
        (`Content-Type: application/json`, `{}` when there is none): the control plane refuses anything else."""
        method, template, _ = OPERATIONS[operation_id]
        path = template.format(**{k: requests.utils.quote(str(v), safe="") for k, v in (path_params or {}).items()})
        headers = {"Accept": "application/json"}
        if self.control_token:
            headers["Authorization"] = "Bearer " + self.control_token
        data = None
        if method in ("POST", "PUT") or body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps({} if body is None else body)
        res = self.session.request(
            method,
            self.url + path,
            params=_drop_none(params or {}),
            data=data,
            headers=headers,
            timeout=self.timeout,
            stream=stream,
        )
        if res.status_code >= 300:
            try:
                error_body = res.json()
            except ValueError:
                error_body = res.text
            res.close()
            raise ControlError(res.status_code, error_body, method, path)
        if stream:
            return res
        if raw:
            return res.content
        if not res.content:
            return None
        return res.json()

    # -- health, clock, reset -------------------------------------------------------------------------------------

    def health(self):
        """`GET /_mock/health`: `{"status": "ok"}` once the mock accepts requests."""
        return self.request("getHealth")

    def clock(self, organisation=None):
        """`GET /_mock/clock`: the main clock and every tenant's, or one tenant's clock and queue."""
        return self.request("getClock", params={"organisation": organisation})

    def advance(self, seconds=None, organisation=None, until_idle=False, max_seconds=None):
        """`POST /_mock/clock/advance`: moves one tenant's clock (or every clock) by `seconds`, or until idle, and
        answers once every job due on the way has run (webhook deliveries included)."""
        if until_idle:
            body = _drop_none({"until_idle": True, "max_seconds": max_seconds, "organisation": _org(organisation)})
        else:
            if seconds is None:
                raise TypeError("advance() needs seconds, or until_idle=True")
            body = _drop_none({"seconds": seconds, "organisation": _org(organisation)})
        return self.request("advanceClock", body=body)

    def advance_until_idle(self, organisation=None, max_seconds=None):
        """`POST /_mock/clock/advance {"until_idle": true}`."""
        return self.advance(organisation=organisation, until_idle=True, max_seconds=max_seconds)

    def reset(self):
        """`POST /_mock/reset`: everything back to the preset and seed."""
        return self.request("resetMock")

    def list_jobs(self, organisation=None, limit=None):
        """`GET /_mock/clock/jobs`: the scheduler's queue."""
        return self.request("listJobs", params={"organisation": organisation, "limit": limit})

    def list_machines(self):
        """`GET /_mock/machines`: every state machine of the domain."""
        return self.request("listMachines")

    # -- tenants --------------------------------------------------------------------------------------------------

    def list_organisations(self):
        """`GET /_mock/organisations`."""
        return self.request("listOrganisations")

    def create_organisation(self, name, preset=None, scopes=None, storage=None, token=None, clock=None):
        """`POST /_mock/organisations`: a tenant with its own key (`token` in the answer) and clock."""
        body = _drop_none(
            {"name": name, "preset": preset, "scopes": scopes, "storage": storage, "token": token, "clock": clock}
        )
        return self.request("createOrganisation", body=body)

    def get_organisation(self, id):
        """`GET /_mock/organisations/{id}`."""
        return self.request("getOrganisationTenant", {"id": id})

    def delete_organisation(self, id):
        """`DELETE /_mock/organisations/{id}`."""
        return self.request("deleteOrganisation", {"id": id})

    def reset_organisation(self, id):
        """`POST /_mock/organisations/{id}/reset`: the tenant back to its creation state (its clock too)."""
        return self.request("resetOrganisation", {"id": id})

    # -- forced outcomes and scenarios ----------------------------------------------------------------------------

    def list_scenarios(self):
        """`GET /_mock/scenarios`: the named scenarios that `load_scenario` takes."""
        return self.request("listScenarios")

    def force_session_outcome(self, **outcome):
        """`POST /_mock/scenarios/sessions`: the next session(s) of a source identifier (or one session) end as
        given. Keywords as the body: source_identifier, session, state, error, delay_seconds, source_state, count,
        organisation."""
        if "organisation" in outcome:
            outcome["organisation"] = _org(outcome["organisation"])
        return self.request("forceSessionOutcome", body=_drop_none(outcome))

    def expire_session(self, id, trigger=None):
        """`POST /_mock/sessions/{id}/expire`: expires a session now (trigger: service, admin, api, organisation)."""
        return self.request("expireSession", {"id": id}, body=_drop_none({"trigger": trigger}))

    def force_task_failure(self, **failure):
        """`POST /_mock/scenarios/tasks`: the next task(s) of a type fail. Keywords as the body: type, error,
        message, count, source_identifier, expire_session, organisation."""
        if "organisation" in failure:
            failure["organisation"] = _org(failure["organisation"])
        return self.request("forceTaskFailure", body=_drop_none(failure))

    def load_scenario(self, name, organisation=None):
        """`POST /_mock/scenarios/load`: runs a named scenario's steps (for one tenant)."""
        return self.request("loadScenario", body=_drop_none({"name": name, "organisation": _org(organisation)}))

    # -- faults and rate limit ------------------------------------------------------------------------------------

    def list_faults(self):
        """`GET /_mock/faults`."""
        return self.request("listFaults")

    def add_fault(self, **fault):
        """`POST /_mock/faults`: a rule on ricloud requests. Keywords as the body: kind (error, latency, reset),
        method, path, organisation, count, probability, status, retry_after, message, latency."""
        if "organisation" in fault:
            fault["organisation"] = _org(fault["organisation"])
        return self.request("addFault", body=_drop_none(fault))

    def clear_faults(self):
        """`DELETE /_mock/faults`: every fault."""
        return self.request("clearFaults")

    def delete_fault(self, id):
        """`DELETE /_mock/faults/{id}`."""
        return self.request("deleteFault", {"id": id})

    def get_rate_limit(self):
        """`GET /_mock/rate-limit`."""
        return self.request("getRateLimit")

    def set_rate_limit(self, enabled=None, limit=None, window_seconds=None):
        """`PUT /_mock/rate-limit`."""
        body = _drop_none({"enabled": enabled, "limit": limit, "window_seconds": window_seconds})
        return self.request("setRateLimit", body=body)

    # -- journal, snapshots ---------------------------------------------------------------------------------------

    def list_requests(self, path=None, status=None, since=None, method=None, organisation=None, limit=None):
        """`GET /_mock/requests`: the request journal, newest first."""
        params = {"path": path, "status": status, "since": since, "method": method,
                  "organisation": organisation, "limit": limit}
        return self.request("listRequests", params=params)

    def clear_requests(self):
        """`DELETE /_mock/requests`."""
        return self.request("clearRequests")

    def export_state(self):
        """`GET /_mock/state`: the snapshot."""
        return self.request("exportState")

    def import_state(self, state):
        """`PUT /_mock/state`: loads a snapshot."""
        return self.request("importState", body=state)

    # -- webhooks -------------------------------------------------------------------------------------------------

    def list_deliveries(self, event=None, status=None):
        """`GET /_mock/deliveries`: the delivery log (every attempt)."""
        return self.request("listDeliveries", params={"event": event, "status": status})

    def redeliver_event(self, id):
        """`POST /_mock/events/{id}/redeliver`."""
        return self.request("redeliverEvent", {"id": id})

    def allow_subscription(self, id):
        """`POST /_mock/subscriptions/{id}/allow`: the Relay consent of a pending subscription."""
        return self.request("allowSubscription", {"id": id})

    def describe_webhook_signature(self):
        """`GET /_mock/webhooks/verify`: how deliveries are signed, with a verification snippet."""
        return self.request("describeWebhookSignature")

    def verify_webhook_signature(self, header, body, secret, tolerance_seconds=None):
        """`POST /_mock/webhooks/verify`: the mock checks a Ricloud-Signature header for you."""
        payload = _drop_none(
            {"header": header, "body": body, "secret": secret, "tolerance_seconds": tolerance_seconds}
        )
        return self.request("verifyWebhookSignature", body=payload)

    def stream_changes(self, max_events=None):
        """`GET /_mock/changes`: yields the server-sent events of control-plane changes as dicts
        (`{"event": ..., "data": ...}`), until `max_events` were read or the stream ends."""
        res = self.request("streamChanges", stream=True)
        count = 0
        try:
            event = {}
            for line in res.iter_lines(decode_unicode=True):
                if line is None:
                    continue
                if line == "":
                    if "data" in event:
                        try:
                            event["data"] = json.loads(event["data"])
                        except ValueError:
                            pass
                        yield event
                        count += 1
                        if max_events is not None and count >= max_events:
                            return
                    event = {}
                    continue
                if line.startswith(":"):
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data" and "data" in event:
                    event["data"] += "\n" + value
                else:
                    event[field] = value
        finally:
            res.close()

    # -- records --------------------------------------------------------------------------------------------------

    def count_records(self, id):
        """`GET /_mock/organisations/{id}/records`: how many records of each collection a tenant has."""
        return self.request("countRecords", {"id": id})

    def list_records(self, id, collection, **filters):
        """`GET /_mock/organisations/{id}/records/{collection}`: filters state, q, session, poll, source, task,
        user, key, limit, offset."""
        return self.request("listRecords", {"id": id, "collection": collection}, params=filters)

    def get_record(self, id, collection, record):
        """`GET /_mock/organisations/{id}/records/{collection}/{record}`: one record, its transitions and times."""
        return self.request("getRecord", {"id": id, "collection": collection, "record": record})

    def get_result_content(self, id, record):
        """`GET /_mock/organisations/{id}/records/results/{record}/content`: a result's bytes."""
        return self.request("getResultContent", {"id": id, "record": record}, raw=True)
