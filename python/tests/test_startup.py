"""How the plugin finds, starts and configures a mock: each case is an inner pytest session (pytester) run in a
subprocess with the installed plugin."""

import os
import re
import select
import sys
from pathlib import Path

import pytest

from ricloud_mock import ControlError, find_command, start_mock

REPO = Path(__file__).resolve().parents[2]


def gone(pid, timeout=30):
    """True once process `pid` has exited (a zombie counts as exited). Blocks on a pidfd: no sleeping."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(fd)


def test_a_mock_that_exits_fails_the_fixture_with_its_exit_code_and_log(pytester):
    pytester.makepyfile("def test_uses_it(ricloud_mock):\n    pass\n")
    cmd = "node -e \"console.error('boom: the port is on fire'); process.exit(3)\""
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ricloud-mock-cmd", cmd)
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "MockStartError: ricloud-mock exited with code 3 before it was ready" in out
    assert "--- ricloud-mock log (last 40 lines) ---" in out
    assert "boom: the port is on fire" in out


def test_a_mock_that_never_gets_ready_misses_the_deadline_and_is_killed(pytester, monkeypatch):
    pidfile = pytester.path / "fake-mock.pid"
    monkeypatch.setenv("FAKE_MOCK_PIDFILE", str(pidfile))
    pytester.makepyfile("def test_uses_it(ricloud_mock):\n    pass\n")
    cmd = ("node -e \"require('fs').writeFileSync(process.env.FAKE_MOCK_PIDFILE, String(process.pid)); "
           "console.log('starting slowly'); setInterval(() => {}, 1000)\"")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ricloud-mock-cmd", cmd,
                                           "--ricloud-mock-startup-timeout", "1.5")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    waited = re.search(r"was not ready within the startup deadline of 1.5 s \(waited ([0-9.]+) s; "
                       r"--ricloud-mock-startup-timeout", out)
    assert waited is not None, out
    assert 1.5 <= float(waited.group(1)) < 10
    assert "starting slowly" in out
    assert gone(int(pidfile.read_text()), timeout=5)


def test_without_any_mock_the_error_says_how_to_install_one(pytester, monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))
    monkeypatch.delenv("RICLOUD_MOCK_URL", raising=False)
    monkeypatch.delenv("RICLOUD_MOCK_CMD", raising=False)
    pytester.makepyfile("def test_uses_it(ricloud_mock):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ricloud-mock was not found: no node_modules/.bin/ricloud-mock in *"])
    assert "npm install --save-dev ricloud-mock" in result.stdout.str()


def test_the_npm_bin_is_found_upward_from_the_rootdir(pytester):
    bin_dir = pytester.path / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "ricloud-mock").symlink_to(REPO / "bin" / "ricloud-mock.js")
    pytester.makeini("[pytest]\n")
    sub = pytester.mkpydir("sub")
    (sub / "test_found.py").write_text(
        "def test_found(ricloud_mock):\n"
        "    assert ricloud_mock.control.health() == {'status': 'ok'}\n"
        "    assert ricloud_mock.pid is not None\n"
    )
    assert find_command(rootdir=str(sub)) == [str(bin_dir / "ricloud-mock")]
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "sub")
    result.assert_outcomes(passed=1)


def test_options_come_from_the_ini_file_and_the_command_line_wins(pytester, mock_path):
    pytester.makeini(
        "[pytest]\n"
        "ricloud_mock_path = %s\n"
        "ricloud_mock_seed = ini-seed\n"
        "ricloud_mock_args = --preset getting-started\n" % mock_path
    )
    pytester.makepyfile(
        "import os\n"
        "def test_seed_and_preset(ricloud_mock):\n"
        "    assert ricloud_mock.control.export_state()['seed'] == os.environ['EXPECTED_SEED']\n"
        "    clock = ricloud_mock.control.clock()\n"
        "    assert clock['mode'] == os.environ['EXPECTED_CLOCK']\n"
    )
    os.environ["EXPECTED_SEED"], os.environ["EXPECTED_CLOCK"] = "ini-seed", "manual"
    try:
        pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
        os.environ["EXPECTED_SEED"], os.environ["EXPECTED_CLOCK"] = "cli-seed", "scaled"
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ricloud-mock-seed", "cli-seed",
                                               "--ricloud-mock-clock", "scaled")
        result.assert_outcomes(passed=1)
    finally:
        del os.environ["EXPECTED_SEED"], os.environ["EXPECTED_CLOCK"]


def test_the_tenant_marker_and_a_preset(pytester, inner_args):
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.mark.ricloud_tenant(preset='getting-started')\n"
        "def test_walkthrough_org(ricloud_tenant):\n"
        "    assert ricloud_tenant.get('/organisation')['state'] == 'unconfigured'\n"
        "def test_default_org(ricloud_tenant):\n"
        "    assert ricloud_tenant.get('/organisation')['state'] != 'unconfigured'\n"
    )
    pytester.runpytest_subprocess(*inner_args).assert_outcomes(passed=2)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--ricloud-mock-startup-timeout", "soon"], "--ricloud-mock-startup-timeout must be a number of seconds"),
        (["--ricloud-mock-startup-timeout", "0"], "--ricloud-mock-startup-timeout must be more than 0"),
        (["--ricloud-mock-mode", "both"], "--ricloud-mock-mode must be 'worker' or 'shared'"),
    ],
)
def test_bad_option_values_are_usage_errors(pytester, args, message):
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


@pytest.fixture
def guarded_mock():
    """A mock of our own with a control token, as a CI service would run it."""
    server = start_mock(find_command(path=str(REPO)), seed="external", control_token="ctl-token-123")
    try:
        yield server
    finally:
        server.stop()


def test_an_external_mock_with_a_control_token(pytester, guarded_mock, tmp_path):
    ids = tmp_path / "tenant-id"
    pytester.makepyfile(
        "import os\n"
        "def test_external(ricloud_mock, ricloud_tenant):\n"
        "    assert ricloud_mock.pid is None and ricloud_mock.external\n"
        "    assert ricloud_tenant.advance(10)['organisation'] is not None\n"
        "    open(os.environ['TENANT_ID_FILE'], 'w').write(ricloud_tenant.id)\n"
    )
    os.environ["TENANT_ID_FILE"] = str(ids)
    try:
        base = ["-p", "no:cacheprovider", "--ricloud-mock-url", guarded_mock.url]
        result = pytester.runpytest_subprocess(*base, "--ricloud-mock-control-token", "ctl-token-123")
        result.assert_outcomes(passed=1)
        # the test's tenant was deleted after it
        with pytest.raises(ControlError) as caught:
            guarded_mock.control.get_organisation(ids.read_text())
        assert caught.value.status == 404
        # without the token the control plane answers 401, and the error says so
        refused = pytester.runpytest_subprocess(*base)
        refused.assert_outcomes(errors=1)
        assert "answered 401" in refused.stdout.str()
    finally:
        del os.environ["TENANT_ID_FILE"]


def test_the_command_can_come_from_the_environment(pytester, monkeypatch):
    monkeypatch.setenv("RICLOUD_MOCK_CMD", "node %s" % (REPO / "bin" / "ricloud-mock.js"))
    pytester.makepyfile("def test_it(ricloud_mock):\n    assert ricloud_mock.control.health() == {'status': 'ok'}\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
