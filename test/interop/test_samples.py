"""The client's sample code: ricloud.samples.helpers (await, download with cascade) and the Relay flow (rirelay.py)."""

import hashlib
import json
import os


def test_helpers_download_results_with_cascade_fetches_the_attachments(ricloud):
    from ricloud.samples import helpers

    user = helpers.get_or_create_user("cascade-user")
    session = ricloud.Session.create(
        source={"user": user.id, "type": "icloud.account", "identifier": "cascade+no2fa@example.com"},
        payload={"password": "x"},
    )
    assert session.state == "active"
    poll = helpers.create_poll({"data_types": ["ios_messages.messages"]}, session=session.id)
    assert poll.state == "completed"

    data, files = helpers.download_results(list(poll.results), cascade=True, limit=3, poll=poll)

    (messages,) = data.values()
    attachment_ids = [
        a["file_id"] for entry in messages["data"] for a in entry.get("attachments", []) if "dtouch" not in a["file_id"]
    ][:3]
    assert attachment_ids, "the seeded messages carry attachments"
    assert sorted(files) == sorted("file:" + i for i in set(attachment_ids))
    cascade_results = {r.identifier: r for p in ricloud.Poll.list(session=session.id) for r in p.results}
    for identifier, path in files.items():
        result = cascade_results[identifier]
        content = open(path, "rb").read()
        assert hashlib.md5(content).hexdigest() == result.checksum
        assert len(content) == result.size
        assert path.startswith(os.environ["RICLOUD_OUTPUT_DIRECTORY"])  # RICLOUD_OUTPUT_DIRECTORY is honoured


def test_helpers_download_info_results_read_their_data(ricloud):
    from ricloud.samples import helpers

    user = helpers.get_or_create_user(None)  # the ini's samples.user_identifier
    assert user.identifier == "ricloud-py"
    session = ricloud.Session.create(
        source={"user": user.id, "type": "icloud.account", "identifier": "info+no2fa@example.com"},
        payload={"password": "x"},
    )
    poll = helpers.create_poll(
        helpers.build_poll_payload("account.info,account.devices,account.backups", None, None), session=session.id
    )
    data, files = helpers.process_poll_results(poll, cascade=True)
    assert sorted(data) == ["info:account.backups", "info:account.devices", "info:account.info"]
    assert files == {}  # the cascade polls ({"files": []}) complete with nothing to download
    assert data["info:account.info"]["data"][0]["apple_id"] == "info+no2fa@example.com"
    # What the cascade reads of every JSON result: its data entries (none of them references a file here).
    for result in data.values():
        assert helpers.parse_file_ids_from_result_data(result) == []


def test_rirelay_sample_flow_pairs_subscribes_and_polls(ricloud, valid_webhook):
    from ricloud.samples import helpers
    from ricloud.samples.rirelay import create_session as rirelay_create_session

    user = helpers.get_or_create_user("relay-user")
    session = rirelay_create_session(user.id, "123456")
    assert session.state == "active"
    (instance,) = ricloud.Source.list(type="rirelay.instance")
    device = ricloud.Source.retrieve(instance.id).children[0]

    sub = helpers.create_subscription(
        session, helpers.build_poll_payload("account.info", None, None), source=device.id
    )
    assert sub.state == "active"  # Relay consent (auto-allowed by the mock's config after 1 s of mock time)

    poll = helpers.create_poll(helpers.build_poll_payload(None, "callkit.calls", None), subscription=sub.id)
    assert poll.state == "completed"
    assert poll.source == device.id
    (result,) = list(poll.results)
    download, is_json = helpers.download_result(result, poll=poll)
    assert is_json and download["metadata"]["count"] == len(download["data"])
    assert json.loads(open(helpers.utils.get_filename(poll.id, helpers.utils.escape(result.identifier))).read())


def test_rirelay_sample_reports_an_invalid_pairing_code(ricloud):
    import click
    import pytest
    from ricloud.samples import helpers
    from ricloud.samples.rirelay import create_session as rirelay_create_session

    user = helpers.get_or_create_user("relay-user")
    with pytest.raises(click.exceptions.Abort):
        rirelay_create_session(user.id, "000000")
    (failed,) = ricloud.Session.list(state="failed")
    assert failed.error == "code-invalid"
