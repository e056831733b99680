"""Conformance driver of the official Python client, ricloud-py 3.2.0, used unchanged.

It reads the kit's inputs from the environment (contracts/CONFORMANCE.md) and does each task with the client's
public surface. The client itself reads RICLOUD_URL and RICLOUD_TOKEN (ricloud/conf.py). Where the client has
no helper (pagination, the 2FA retry), the driver does what its README and samples do, with the client's calls.

Run: PYTHONPATH=<a ricloud-py 3.2.0 checkout> \
  ricloud-mock conformance client --client "python3 contracts/conformance/drivers/official_python.py"
"""
from __future__ import print_function

import json
import os
import sys
import time

import requests

import ricloud
from ricloud.exceptions import RicloudError


def env(name):
    return os.environ[name]


def wait(resource, states=("pending", "processing"), timeout=60):
    """ricloud.samples.utils.await_response: refresh once a second while the resource is pending."""
    deadline = time.time() + timeout
    while resource.state in states and time.time() < deadline:
        time.sleep(1)
        resource.refresh()
    return resource


def organisation():
    """GET /organisation through the client's own request handler (its retries included), read as plain JSON.

    Organisation.retrieve() would turn the nested permissions (`resource: organisation_permissions`) into a class
    the 3.2.0 client does not have and crash (a shape issue of the mock, not behaviour: issue 10 fixes it).
    """
    data, _ = ricloud.Organisation.request_handler.get(ricloud.Organisation.resource_url())
    return data


def wait_poll(poll_id, timeout=60):
    """Waits for a poll like await_response, reading it as plain JSON through the client's request handler.

    A Poll object with errors cannot be built by the 3.2.0 client: its list parser reads data[0]["resource"] and
    the mock's poll error entries have none (KeyError 'resource'); reported for issue 10.
    """
    url = "{}/{}".format(ricloud.Poll.resource_url(), poll_id)
    deadline = time.time() + timeout
    poll, _ = ricloud.Poll.request_handler.get(url)
    while poll["state"] in ("pending", "processing") and time.time() < deadline:
        time.sleep(1)
        poll, _ = ricloud.Poll.request_handler.get(url)
    return poll


def open_session():
    source = {"user": env("RICLOUD_USER_ID"), "type": "icloud.account", "identifier": env("RICLOUD_SOURCE_IDENTIFIER")}
    session = wait(ricloud.Session.create(source=source, payload={"password": env("RICLOUD_PASSWORD")}))
    if session.state == "failed" and session.error == "code-required":
        payload = {"password": env("RICLOUD_PASSWORD"), "code": env("RICLOUD_CODE")}
        session = wait(ricloud.Session.create(source=source, payload=payload))
    if session.state != "active":
        raise RuntimeError("session {} is {} ({})".format(session.id, session.state, session.error))
    return session


def poll_once(session_id):
    poll = ricloud.Poll.create(session=session_id, payload={"info_types": env("RICLOUD_INFO_TYPES").split(",")})
    return wait_poll(poll.id)


def task_organisation():
    return {"organisation": organisation()["id"]}


def task_missing_session():
    return {"session": ricloud.Session.retrieve(env("RICLOUD_SESSION_ID")).id}


def task_users():
    limit = int(env("RICLOUD_PAGE_SIZE"))
    page = ricloud.User.list(limit=limit)
    ids = [u.id for u in page]
    while page.has_more:
        page = ricloud.User.list(limit=limit, after_id=ids[-1])
        ids.extend(u.id for u in page)
    return {"users": ids}


def task_first_page():
    organisation()
    return {"users": [u.id for u in ricloud.User.list(limit=int(env("RICLOUD_PAGE_SIZE")))]}


def task_user():
    organisation()
    user = ricloud.User.create(identifier=env("RICLOUD_USER_IDENTIFIER"))
    return {"user": ricloud.User.retrieve(user.id).id}


def task_session():
    return {"session": open_session().id}


def task_poll():
    poll = poll_once(env("RICLOUD_SESSION_ID"))
    if any(e["error"] == "session-expired" for e in poll["errors"]["data"]):
        poll = poll_once(open_session().id)
    results = list(ricloud.Result.list(poll=poll["id"], limit=1000))
    for result in results:
        if result.signed_url:
            requests.get(result.signed_url["url"]).raise_for_status()
        ricloud.Result.acknowledge_with_id(result.id)
    return {"poll": poll["id"], "results": [r.id for r in results]}


TASKS = {
    "organisation": task_organisation,
    "missing-session": task_missing_session,
    "users": task_users,
    "first-page": task_first_page,
    "user": task_user,
    "session": task_session,
    "poll": task_poll,
}


def main():
    try:
        answer = TASKS[env("RICLOUD_TASK")]()
    except RicloudError as exc:
        print(json.dumps({"error": getattr(exc, "error", None) or "status-{}".format(exc.status)}))
        return 1
    except Exception as exc:  # the task failed: say why, exit non-zero
        print(json.dumps({"error": "driver-error", "message": str(exc)}))
        return 1
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
