"""The client's command line, run as its users run it: python -c "from ricloud.cli import cli; cli()" ..."""

import hashlib
import os
import re
import subprocess
import sys

from conftest import BASE_URL, OUTPUT_DIR, TOKEN, cli_env, run_cli

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def first_id(output, resource):
    """The id of the resource a command printed (`Session({"id": "...", ...})`)."""
    match = re.search(r'%s\(\{\s*"id": "(%s)"' % (resource, UUID), output)
    assert match, output
    return match.group(1)


def test_session_create_asks_for_the_2fa_code_at_its_prompt(ricloud):
    done = run_cli(
        "icloud", "session", "create", "cli@example.com", "--icloud-password", "secret",
        input="000000\n123456\n",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Multi-factor authentication is on for this account." in done.stdout
    assert "Invalid code provided. Retrying..." in done.stdout  # the first code was wrong: asked again
    assert done.stdout.count("Please enter the received code") == 2
    session_id = first_id(done.stdout, "Session")
    assert "Session created: %s" % session_id in done.stdout
    assert ricloud.Session.retrieve(session_id).state == "active"
    assert "secret" not in done.stdout  # the password is never echoed back


def test_session_create_reports_a_wrong_password(ricloud):
    done = run_cli("icloud", "session", "create", "cli@example.com", "--icloud-password", "wrong-password")
    assert done.returncode == 1
    assert "Session initialisation failed with error: `credentials-invalid`." in done.stdout


def test_poll_create_then_download_with_cascade(ricloud):
    created = run_cli(
        "icloud", "session", "create", "cli+no2fa@example.com", "--icloud-password", "x",
        "--user-identifier", "cli-user",
    )
    assert created.returncode == 0, created.stdout + created.stderr
    session_id = first_id(created.stdout, "Session")

    polled = run_cli("icloud", "poll", "create", session_id, "--data-types", "ios_messages.messages")
    assert polled.returncode == 0, polled.stdout + polled.stderr
    poll_id = first_id(polled.stdout, "Poll")
    assert "Poll %s completed." % poll_id in polled.stdout

    downloaded = run_cli("icloud", "poll", "download", poll_id, "--cascade", "true", "--limit", "2")
    assert downloaded.returncode == 0, downloaded.stdout + downloaded.stderr
    # The messages result, then a cascade poll of (at most 2) attachments, each downloaded beside it.
    folder = OUTPUT_DIR / poll_id
    names = sorted(os.listdir(str(folder)))
    assert "data%3Aios_messages.messages" in names
    file_names = [n for n in names if n.startswith("file%3A")]
    assert 1 <= len(file_names) <= 2
    cascade = [p for p in ricloud.Poll.list(session=session_id) if p.id != poll_id]
    assert len(cascade) == 1 and cascade[0].state == "completed"
    by_name = {"file%3A" + r.identifier[len("file:"):]: r for r in cascade[0].results}
    for name in file_names:
        content = (folder / name).read_bytes()
        assert hashlib.md5(content).hexdigest() == by_name[name].checksum


def test_poll_download_of_info_results_with_the_default_cascade(ricloud):
    # `poll download` cascades by default: over results that reference no file the client posts {"files": []},
    # which the mock completes at once with no tasks (README divergences); every result is still downloaded.
    created = run_cli("icloud", "session", "create", "info+no2fa@example.com", "--icloud-password", "x")
    session_id = first_id(created.stdout, "Session")
    polled = run_cli("icloud", "poll", "create", session_id, "--info-types", "account.info,account.devices")
    poll_id = first_id(polled.stdout, "Poll")
    downloaded = run_cli("icloud", "poll", "download", poll_id)
    assert downloaded.returncode == 0, downloaded.stdout + downloaded.stderr
    assert sorted(os.listdir(str(OUTPUT_DIR / poll_id))) == ["info%3Aaccount.devices", "info%3Aaccount.info"]
    # One cascade poll per JSON result, each completed with no tasks and no results.
    cascade = [p for p in ricloud.Poll.list(session=session_id) if p.id != poll_id]
    assert len(cascade) == 2
    assert all(p.state == "completed" and len(p.results) == 0 for p in cascade)


def test_config_init_then_view_and_use_the_ini_file(tmp_path):
    home = str(tmp_path)
    init = run_cli("config", "init", "--token", TOKEN, "--url", BASE_URL, HOME=home)
    assert init.returncode == 0, init.stdout + init.stderr
    assert (tmp_path / ".ricloud.ini").is_file()

    view = run_cli("config", "view", HOME=home)
    assert view.returncode == 0
    assert "[api]" in view.stdout
    assert "token = %s" % TOKEN in view.stdout and "url = %s" % BASE_URL in view.stdout

    # With RICLOUD_URL and RICLOUD_TOKEN unset, the client runs on the ini file alone.
    env = {k: v for k, v in cli_env(HOME=home).items() if k not in ("RICLOUD_URL", "RICLOUD_TOKEN")}
    done = subprocess.run(
        [sys.executable, "-c", "from ricloud.cli import cli; cli()",
         "webhook-config", "create", "--url", "http://127.0.0.1:9/webhooks"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"resource": "webhook_config"' in done.stdout


def test_rirelay_commands_pair_subscribe_poll_and_find_the_latest_automatic_poll(ricloud, mock, valid_webhook):
    paired = run_cli("rirelay", "session", "create", "778899", "--user-identifier", "relay-cli")
    assert paired.returncode == 0, paired.stdout + paired.stderr
    session_id = first_id(paired.stdout, "Session")
    assert "Session created, ID: %s" % session_id in paired.stdout
    device = ricloud.Source.list(type="rirelay.source")[0]

    subscribed = run_cli("rirelay", "sub", "create", session_id, device.id, "--info-types", "account.info")
    assert subscribed.returncode == 0, subscribed.stdout + subscribed.stderr
    sub_id = first_id(subscribed.stdout, "Subscription")
    assert "Subscription created, ID: %s" % sub_id in subscribed.stdout

    manual = run_cli("rirelay", "sub", "poll", sub_id, "--data-types", "callkit.calls")
    assert manual.returncode == 0, manual.stdout + manual.stderr
    assert "Poll %s completed." % first_id(manual.stdout, "Poll") in manual.stdout

    none_yet = run_cli("rirelay", "sub", "latest", sub_id)
    assert "No automatic polls found for this subscription." in none_yet.stdout
    mock.control("POST", "/clock/advance", {"seconds": 86400})  # one interval: the subscription polls by itself
    latest = run_cli("rirelay", "sub", "latest", sub_id)
    auto_id = first_id(latest.stdout, "Poll")
    auto = ricloud.Poll.retrieve(auto_id)
    assert (auto.subscription, auto.requestor, auto.source) == (sub_id, "subscription", device.id)
