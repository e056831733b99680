"""Errors as the client raises them, its retries on 5xx, and RICLOUD_AWAIT_FOR (the Ricloud-Await header)."""

import subprocess
import sys

import pytest

from conftest import cli_env


def test_request_error_carries_status_error_message_and_params(ricloud):
    from ricloud.exceptions import RequestError

    with pytest.raises(RequestError) as raised:
        ricloud.Session.retrieve("00000000-0000-4000-8000-000000000000")
    assert raised.value.status == 404 and raised.value.error == "not-found"
    assert raised.value.message

    with pytest.raises(RequestError) as raised:
        ricloud.User.create(identifier=7)
    assert raised.value.status == 400 and raised.value.error == "invalid-parameters"
    assert "identifier" in raised.value.params


def test_a_wrong_token_is_a_401_request_error(ricloud, monkeypatch):
    from ricloud.exceptions import RequestError

    monkeypatch.setattr(ricloud, "token", "not-a-token")
    with pytest.raises(RequestError) as raised:
        ricloud.Organisation.retrieve()
    assert (raised.value.status, raised.value.error) == (401, "unauthorized")


def test_three_503s_are_retried_away(ricloud, mock):
    mock.control("POST", "/faults", {"kind": "error", "status": 503, "count": 3, "path": "/users"})
    user = ricloud.User.create(identifier="after-three-failures")
    assert user.identifier == "after-three-failures"
    statuses = [e["status"] for e in reversed(mock.journal(path="/users"))]
    assert statuses == [503, 503, 503, 201]  # RICLOUD_MAX_RETRIES=3: the 4th attempt succeeds


def test_four_503s_raise_server_error(ricloud, mock):
    from ricloud.exceptions import ServerError

    mock.control("POST", "/faults", {"kind": "error", "status": 503, "count": 4, "path": "/users"})
    with pytest.raises(ServerError) as raised:
        ricloud.User.create(identifier="never")
    assert raised.value.status == 503
    assert [e["status"] for e in mock.journal(path="/users")] == [503, 503, 503, 503]
    assert len(ricloud.User.list()) == 0  # a faulted request changes nothing


def session_state_with_await(await_for):
    """Creates a 2FA-less session in a fresh client process configured with RICLOUD_AWAIT_FOR=<await_for>."""
    code = (
        "import ricloud\n"
        "u = ricloud.User.create(identifier='await')\n"
        "s = ricloud.Session.create(source={'user': u.id, 'type': 'icloud.account',"
        " 'identifier': 'await+no2fa@example.com'}, payload={'password': 'x'})\n"
        "print(s.state)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(RICLOUD_AWAIT_FOR=await_for),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_ricloud_await_for_holds_the_answer_until_the_session_is_checked(ricloud):
    # The session check takes 2 s of mock time (20 ms at x100): with Ricloud-Await: 0 the answer comes first.
    assert session_state_with_await("0") == "pending"
    assert session_state_with_await("5") == "active"
