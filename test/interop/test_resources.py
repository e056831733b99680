"""Every resource through the official client's public surface: ricloud.<Resource>.create/retrieve/list/update."""

import hashlib
import os

import pytest


def active_session(ricloud, identifier="john@example.com"):
    user = ricloud.User.create(identifier="interop-user")
    session = ricloud.Session.create(
        source={"user": user.id, "type": "icloud.account", "identifier": identifier},
        payload={"password": "x", "code": "123456"},
    )
    assert session.state == "active"  # RICLOUD_AWAIT_FOR=10: the answer waited for the session check
    return user, session


def completed_poll(ricloud, session, payload):
    from ricloud.samples import helpers

    poll = helpers.create_poll(payload, session=session.id)  # awaits completion as the client's samples do
    assert poll.state == "completed", poll
    return poll


def test_organisation_retrieve_nests_classes_the_client_knows(ricloud):
    org = ricloud.Organisation.retrieve()
    assert org.resource == "organisation"
    assert isinstance(org.permissions, ricloud.Permissions)
    assert org.permissions.identifier == "default"
    assert isinstance(org.storage_configs, ricloud.List)
    assert isinstance(org.storage_configs[0], ricloud.StorageConfig)
    org.update(name="Interop Organisation")
    assert ricloud.Organisation.retrieve().slug == "interop-organisation"


def test_key_current_list_and_rotate(ricloud):
    # Key.current() and <Config>.test() wrap the answer as `cls(attrs=response)` (ricloud/resources/keys.py,
    # configs.py): the resource itself is under ["attrs"].
    key = ricloud.Key.current()["attrs"]
    assert isinstance(key, ricloud.Key) and key.state == "active"
    keys = ricloud.Key.list()
    assert [k.id for k in keys] == [key.id]
    new = ricloud.Key.create()
    assert isinstance(new, ricloud.Key) and new.token and new.token != ricloud.token
    assert {k.id for k in ricloud.Key.list()} == {key.id, new.id}


def test_users_get_or_create_and_update(ricloud):
    from ricloud.samples import helpers

    first = helpers.get_or_create_user("same-identifier")
    again = helpers.get_or_create_user("same-identifier")
    assert again.id == first.id
    assert [u.id for u in ricloud.User.list(identifier="same-identifier")] == [first.id]
    first.update(identifier="renamed")
    assert ricloud.User.retrieve(first.id).identifier == "renamed"


def test_storage_config_local_created_tested_valid(ricloud, mock, tmp_path):
    config = ricloud.StorageConfig.create(url="local://%s" % tmp_path)
    assert isinstance(config, ricloud.StorageConfig)
    task = config.test()["attrs"]
    assert isinstance(task, ricloud.Task)
    assert task.state == "succeeded"  # RICLOUD_AWAIT_FOR: the test answer waited for the check
    config.refresh()
    assert config.state == "valid"
    assert config.id in [c.id for c in ricloud.StorageConfig.list()]
    config.delete()
    assert config.state == "deactivated"


def test_sessions_two_factor_then_code(ricloud):
    user = ricloud.User.create(identifier="u")
    source = {"user": user.id, "type": "icloud.account", "identifier": "twofa@example.com"}
    first = ricloud.Session.create(source=source, payload={"password": "x"})
    assert (first.state, first.error) == ("failed", "code-required")
    second = ricloud.Session.create(source=source, payload={"password": "x", "code": "123456"})
    assert second.state == "active"
    assert isinstance(second.source, (ricloud.Source, str))
    assert [s.id for s in ricloud.Session.list(state="active")] == [second.id]


@pytest.mark.parametrize(
    "password, error",
    [("wrong-password", "credentials-invalid"), ("locked", "account-locked")],
)
def test_sessions_fail_as_the_test_accounts_say(ricloud, password, error):
    user = ricloud.User.create(identifier="u")
    session = ricloud.Session.create(
        source={"user": user.id, "type": "icloud.account", "identifier": "fails@example.com"},
        payload={"password": password},
    )
    assert (session.state, session.error) == ("failed", error)
    if error == "account-locked":
        assert ricloud.Source.list(identifier="fails@example.com")[0].state == "locked"


def test_mocks_mock_account(ricloud):
    user = ricloud.User.create(identifier="u")
    session = ricloud.Session.create(
        source={"user": user.id, "type": "mocks.mock", "identifier": "john.appleseed@reincubate.com"},
        payload={"password": "abcd1234"},
    )
    assert session.state == "active"
    session.delete()
    assert session.state == "expired"
    assert ricloud.Session.retrieve(session.id).state == "expired"


def test_poll_info_data_files_results_download_md5_ack(ricloud, tmp_path):
    from ricloud import storage

    _, session = active_session(ricloud)
    poll = completed_poll(
        ricloud, session, {"info_types": ["account.info"], "data_types": ["ios_photos.photos"]}
    )
    results = list(poll.results)
    assert {r.identifier for r in results} == {"info:account.info", "data:ios_photos.photos"}
    for result in results:
        assert isinstance(result, ricloud.Result)
        target = str(tmp_path / result.id)
        storage.download_result(result.url, to_filename=target)
        data = open(target, "rb").read()
        assert hashlib.md5(data).hexdigest() == result.checksum
        assert len(data) == result.size
        result.acknowledge()
        assert result.state == "consumed"
    assert len(ricloud.Result.list(poll=poll.id)) == 0  # the list shows available results by default
    assert {r.id for r in ricloud.Result.list(poll=poll.id, state="consumed")} == {r.id for r in results}

    files = completed_poll(ricloud, session, {"files": [photo_file_id(results, tmp_path)]})
    (file_result,) = list(files.results)
    assert file_result.type in ("jpg", "png")
    target = str(tmp_path / "file")
    storage.download_result(file_result.url, to_filename=target)
    assert hashlib.md5(open(target, "rb").read()).hexdigest() == file_result.checksum
    assert os.path.getsize(target) == file_result.size


def photo_file_id(results, tmp_path):
    import json

    (data_result,) = [r for r in results if r.identifier == "data:ios_photos.photos"]
    entries = json.load(open(str(tmp_path / data_result.id)))["data"]
    entry = entries[0]
    return entry["files"][0]["id"] if "files" in entry else entry["file"]["id"]


def test_tasks_and_events_with_filters(ricloud):
    _, session = active_session(ricloud)
    poll = completed_poll(ricloud, session, {"info_types": ["account.info", "account.devices"]})
    tasks = ricloud.Task.list(poll=poll.id)
    assert len(tasks) == 2 and {t.state for t in tasks} == {"succeeded"}
    assert ricloud.Task.retrieve(tasks[0].id).id == tasks[0].id
    completed = ricloud.Event.list(type="poll", action="completed")
    assert [e.data.id for e in completed] == [poll.id]
    assert isinstance(completed[0], ricloud.Event) and isinstance(completed[0].data, ricloud.Poll)
    assert all(e.type == "task" for e in ricloud.Event.list(type="task"))
    assert len(ricloud.Event.list(type="task", limit=1)) == 1


def test_sources_filters_and_relay_children(ricloud):
    user = ricloud.User.create(identifier="u")
    session = ricloud.Session.create(source={"user": user.id, "type": "rirelay.instance"}, payload={"code": "424242"})
    assert session.state == "active"
    (instance,) = ricloud.Source.list(type="rirelay.instance")
    children = ricloud.Source.retrieve(instance.id).children
    assert len(children) >= 1
    assert all(isinstance(c, ricloud.Source) and c.type == "rirelay.source" for c in children)
    assert {s.id for s in ricloud.Source.list(user=user, parent=instance.id)} == {c.id for c in children}


def test_subscriptions_create_list_delete(ricloud, valid_webhook):
    _, session = active_session(ricloud)
    sub = ricloud.Subscription.create(session=session, poll_payload={"info_types": ["account.info"]})
    assert isinstance(sub, ricloud.Subscription)
    assert [s.id for s in ricloud.Subscription.list()] == [sub.id]
    sub.delete()
    assert sub.state == "deleted"
    assert ricloud.Subscription.retrieve(sub.id).state == "deleted"


def test_permissions_create_list_update(ricloud):
    perms = ricloud.Permissions.create(identifier="team", scopes={"source_type:icloud.*": []})
    assert isinstance(perms, ricloud.Permissions)
    perms.update(scopes={"source_type:*": []})
    assert "source_type:*" in ricloud.Permissions.retrieve(perms.id).scopes
    assert perms.id in [p.id for p in ricloud.Permissions.list()]
