"""Flows the official client failed on, or that follow the public pages since issue 17: polls and events with failed
tasks, nested lists and their urls, Relay polls with and without a subscription, subscriptions with and without a
valid webhook config. The client is unchanged; each test goes through its public surface."""

import pytest

from test_resources import active_session


def await_response(resource):
    """The client's own sample loop (ricloud/samples/utils.py): refresh until no longer pending or processing."""
    from ricloud.samples.utils import await_response as client_await

    client_await(resource)


def poll_with_a_failed_task(ricloud, mock, session):
    """A completed poll whose callkit.calls task was forced to fail (POST /_mock/scenarios/tasks) and whose
    account.info task succeeded."""
    mock.control("POST", "/scenarios/tasks", {"type": "callkit.calls", "error": "service-unavailable"})
    poll = ricloud.Poll.create(
        session=session.id, payload={"info_types": ["account.info"], "data_types": ["callkit.calls"]}
    )
    await_response(poll)
    assert poll.state == "completed", poll
    return poll


def test_poll_with_a_failed_task_parses_on_create_retrieve_refresh_and_list(ricloud, mock):
    _, session = active_session(ricloud)
    poll = poll_with_a_failed_task(ricloud, mock, session)
    (failed,) = poll.tasks_failed

    for got in (poll, ricloud.Poll.retrieve(poll.id), ricloud.Poll.list(session=session.id)[0]):
        assert isinstance(got, ricloud.Poll)
        assert isinstance(got.errors, ricloud.List)
        (error,) = got.errors
        # The client builds each item by its `resource`: a poll's errors are its failed tasks.
        assert isinstance(error, ricloud.Task)
        assert (error.id, error.task, error.error) == (failed, failed, "service-unavailable")
        assert error.message
        assert [r.identifier for r in got.results] == ["info:account.info"]

    again = ricloud.Poll(id=poll.id)
    again.refresh()
    assert again.errors[0].error == "service-unavailable"
    assert ricloud.Task.retrieve(failed).error == "service-unavailable"


def test_event_list_parses_events_of_polls_and_tasks_with_errors(ricloud, mock):
    _, session = active_session(ricloud)
    poll = poll_with_a_failed_task(ricloud, mock, session)

    events = ricloud.Event.list(limit=1000)
    completed = [e for e in events if (e.type, e.action) == ("poll", "completed")]
    (done,) = [e for e in completed if e.data.id == poll.id]
    assert isinstance(done.data, ricloud.Poll)
    assert isinstance(done.data.errors[0], ricloud.Task)
    assert done.data.errors[0].error == "service-unavailable"
    (task_failed,) = ricloud.Event.list(type="task", action="failed")
    assert isinstance(task_failed.data, ricloud.Task) and task_failed.data.error == "service-unavailable"
    assert ricloud.Event.retrieve(done.id).data.errors[0].id == poll.tasks_failed[0]


def follow(ricloud, nested):
    """GETs a nested list's `url` with the client's own request handler and url joining, and parses the answer
    with the client's List. (List.refresh sends the relative url as it is, which requests cannot send: the docs'
    nested urls are relative, e.g. "/sources/<source ID>/children".)"""
    from ricloud.utils import join_url

    response, status = ricloud.List.request_handler.get(join_url(ricloud.url, nested.url))
    assert status == 200
    return ricloud.List(**response)


def test_nested_lists_answer_at_their_url_with_the_same_items(ricloud, mock):
    _, session = active_session(ricloud)
    poll = poll_with_a_failed_task(ricloud, mock, session)
    poll = ricloud.Poll.retrieve(poll.id)

    results = follow(ricloud, poll.results)
    assert [r.id for r in results] == [r.id for r in poll.results]
    assert all(isinstance(r, ricloud.Result) for r in results)

    errors = follow(ricloud, poll.errors)
    assert [(e.id, e.error) for e in errors] == [(e.id, e.error) for e in poll.errors]
    assert all(isinstance(e, ricloud.Task) for e in errors)

    (succeeded,) = poll.tasks_succeeded
    task = ricloud.Task.retrieve(succeeded)
    task_results = follow(ricloud, task.results)
    assert [r.id for r in task_results] == [r.id for r in task.results] == [r.id for r in poll.results]

    org = ricloud.Organisation.retrieve()
    assert [c.id for c in follow(ricloud, org.storage_configs)] == [c.id for c in org.storage_configs]
    assert [c.id for c in follow(ricloud, org.webhook_configs)] == [c.id for c in org.webhook_configs]


def relay_device(ricloud):
    user = ricloud.User.create(identifier="relay-fidelity")
    session = ricloud.Session.create(source={"user": user.id, "type": "rirelay.instance"}, payload={"code": "515151"})
    assert session.state == "active"
    (instance,) = ricloud.Source.list(type="rirelay.instance")
    children = follow(ricloud, ricloud.Source.retrieve(instance.id).children)
    assert all(isinstance(c, ricloud.Source) for c in children)
    return session, instance, children[0]


def test_relay_source_without_a_subscription_is_refused(ricloud):
    from ricloud.exceptions import RequestError

    session, instance, device = relay_device(ricloud)
    for source in (device.id, instance.id):
        with pytest.raises(RequestError) as refused:
            ricloud.Poll.create(session=session.id, source=source, payload={"data_types": ["callkit.calls"]})
        assert refused.value.status == 400
        assert refused.value.error == "invalid-parameters"
        assert list(refused.value.params) == ["subscription"]
    assert len(ricloud.Poll.list()) == 0


def test_relay_source_with_a_subscription_is_polled(ricloud, valid_webhook):
    session, _, device = relay_device(ricloud)
    sub = ricloud.Subscription.create(session=session, source=device.id, poll_payload={"info_types": ["account.info"]})
    await_response(sub)
    assert sub.state == "active"  # Relay consent (auto-allowed by the interop config after 1 s of mock time)
    poll = ricloud.Poll.create(subscription=sub.id, payload={"data_types": ["callkit.calls"]})
    await_response(poll)
    assert poll.state == "completed"
    assert (poll.source, poll.subscription, poll.requestor) == (device.id, sub.id, "user")
    assert len(poll.results) == 1


def test_subscription_without_a_valid_webhook_config_is_refused(ricloud):
    from ricloud.exceptions import RequestError

    _, session = active_session(ricloud)
    with pytest.raises(RequestError) as refused:
        ricloud.Subscription.create(session=session, poll_payload={"info_types": ["account.info"]})
    assert (refused.value.status, refused.value.error) == (409, "organisation-unconfigured")
    assert "webhook config" in refused.value.message

    unreachable = ricloud.WebhookConfig.create(url="http://127.0.0.1:9/webhooks")
    assert unreachable.test()["attrs"].state == "failed"
    unreachable.refresh()
    assert unreachable.state == "invalid"
    with pytest.raises(RequestError):
        ricloud.Subscription.create(session=session, poll_payload={"info_types": ["account.info"]})
    assert len(ricloud.Subscription.list()) == 0


def test_subscription_with_a_valid_webhook_config_is_created(ricloud, valid_webhook):
    _, session = active_session(ricloud)
    sub = ricloud.Subscription.create(session=session, poll_payload={"info_types": ["account.info"]})
    assert isinstance(sub, ricloud.Subscription) and sub.state == "active"
    assert ricloud.Organisation.retrieve().webhook_config_default == valid_webhook.id
