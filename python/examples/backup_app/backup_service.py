"""A small iCloud backup service built on the official ricloud client (ricloud-py 3.2.0), as an app under test.

- `POST /accounts {"email", "password", "code"?}`: a ricloud user for the account and a session (2FA: without the
  code the session fails with `code-required`; ask the user for it and post again with `code`).
- `GET /accounts/<email>`: the latest session's state and error.
- `POST /backups {"email", "data_types", "info_types"}`: a poll on the account's active session.
- `GET /backups/<poll id>`: what was saved: each result's file, size and md5, or why not.
- `POST /webhooks/<event id>`: ricloud's webhooks, each checked with the official receiver's check
  (`ricloud.webhooks.verify_request`: HMAC signature and age); on `poll.completed` the results are downloaded,
  their md5 checked against the result's checksum, and only then acknowledged.
- `POST /setup {"public_url"}`: registers this app's webhook endpoint with ricloud (`WebhookConfig.create`).
"""

import hashlib
import os
import threading

import ricloud
from flask import Flask, abort, jsonify, request
from ricloud import storage
from ricloud.webhooks import verify_request


def create_app(storage_dir, webhook_delta=600):
    app = Flask(__name__)
    lock = threading.Lock()
    state = {"secret": None, "sessions": {}, "users": {}, "backups": {}, "events": [], "refused": 0}

    def user_for(email):
        with lock:
            user = state["users"].get(email)
        if user is None:
            user = ricloud.User.create(identifier=email)
            with lock:
                state["users"][email] = user
        return user

    @app.post("/setup")
    def setup():
        config = ricloud.WebhookConfig.create(url=request.json["public_url"].rstrip("/") + "/webhooks")
        with lock:
            state["secret"] = config.secret
        return jsonify({"webhook_config": config.id, "state": config.state}), 201

    @app.post("/accounts")
    def add_account():
        body = request.json
        payload = {"password": body["password"]}
        if body.get("code"):
            payload["code"] = body["code"]
        source = {"user": user_for(body["email"]).id, "type": "icloud.account", "identifier": body["email"]}
        session = ricloud.Session.create(source=source, payload=payload)
        with lock:
            state["sessions"][body["email"]] = session
        return jsonify({"session": session.id, "state": session.state}), 201

    @app.get("/accounts/<email>")
    def account(email):
        with lock:
            session = state["sessions"].get(email)
        if session is None:
            abort(404)
        session.refresh()
        return jsonify({"session": session.id, "state": session.state, "error": session.error})

    @app.post("/backups")
    def start_backup():
        body = request.json
        with lock:
            session = state["sessions"].get(body["email"])
        if session is None:
            abort(404)
        session.refresh()
        if session.state != "active":
            return jsonify({"error": "session-not-active", "state": session.state}), 409
        payload = {k: body[k] for k in ("data_types", "info_types") if body.get(k)}
        poll = ricloud.Poll.create(session=session.id, payload=payload)
        with lock:
            state["backups"][poll.id] = {"poll": poll.id, "state": poll.state, "files": [], "errors": []}
        return jsonify({"poll": poll.id, "state": poll.state}), 201

    @app.get("/backups/<poll_id>")
    def backup(poll_id):
        with lock:
            found = state["backups"].get(poll_id)
            return jsonify(found) if found else (jsonify({"error": "not-found"}), 404)

    @app.get("/events")
    def events():
        with lock:
            return jsonify({"events": list(state["events"]), "refused": state["refused"]})

    @app.post("/webhooks/<uuid:event_id>")
    def webhook(event_id):
        with lock:
            secret = state["secret"]
        # The official receiver's check (ricloud/webhooks.py), HMAC-SHA256 of "<t>.<body>" and a 600 s age limit.
        if not request.is_json or secret is None or "Ricloud-Signature" not in request.headers or \
                not verify_request(request, secret, delta=webhook_delta):
            with lock:
                state["refused"] += 1
            abort(400)
        event = request.json
        with lock:
            state["events"].append("%s.%s" % (event["type"], event["action"]))
        if (event["type"], event["action"]) == ("poll", "completed"):
            save_results(event["data"]["id"])
        return "OK"

    def save_results(poll_id):
        poll = ricloud.Poll.retrieve(poll_id)
        saved, errors = [], [{"task": e.id, "error": e.error} for e in poll.errors]
        for result in poll.results:
            target = os.path.join(storage_dir, result.id)
            storage.download_result(result.url, to_filename=target)
            with open(target, "rb") as f:
                md5 = hashlib.md5(f.read()).hexdigest()
            if md5 != result.checksum:
                errors.append({"result": result.id, "error": "checksum-mismatch"})
                continue
            result.acknowledge()  # only a verified copy is acknowledged
            saved.append({"result": result.id, "identifier": result.identifier, "size": result.size, "md5": md5,
                          "state": result.state})
        with lock:
            entry = state["backups"].setdefault(poll_id, {"poll": poll_id, "files": [], "errors": []})
            entry.update(state="completed", files=saved, errors=errors)

    return app
