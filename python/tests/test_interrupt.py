"""An interrupted session leaves no mock behind: a pytest subprocess whose test holds the mock is sent SIGINT
(Ctrl-C), SIGTERM (a CI runner cancelling the job) or SIGKILL, and the mock's process must be gone."""

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from test_startup import gone

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits on process exit with Linux pidfds")

HOLDING_TEST = '''
import os
import signal

def test_holds_the_mock(ricloud_mock):
    with open(os.environ["MOCKPID_FIFO"], "w") as fifo:  # a FIFO: xdist workers have no stdout of their own
        fifo.write("%d\\n" % ricloud_mock.pid)
    signal.pause()  # until the outer test signals this session
'''


def run_until_mock_pid(tmp_path, extra_args=()):
    (tmp_path / "test_hold.py").write_text(HOLDING_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    fifo = str(tmp_path / "mockpid")
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-s", "-p", "no:cacheprovider", "--ricloud-mock-path", str(REPO),
         *extra_args, "test_hold.py"],
        cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MOCKPID_FIFO": fifo},
    )
    data = b""
    try:
        while not data.endswith(b"\n"):
            readable, _, _ = select.select([reader], [], [], 120)  # blocks until the test writes (or 120 s)
            if not readable:
                break
            chunk = os.read(reader, 64)
            data += chunk
            if not chunk and proc.poll() is not None:
                break
    finally:
        os.close(reader)
    if not data.strip():
        proc.kill()
        raise AssertionError("the inner session gave no mock pid: " + proc.communicate(timeout=60)[0])
    pid = int(data.strip())
    assert not gone(pid, timeout=0)
    return proc, pid


def finish(proc):
    return proc.communicate(timeout=60)[0]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_an_interrupted_session_leaves_no_mock(tmp_path, sig):
    proc, pid = run_until_mock_pid(tmp_path)
    proc.send_signal(sig)
    output = finish(proc)
    assert proc.returncode != 0, output
    if sig == signal.SIGINT:
        assert "KeyboardInterrupt" in output
    # SIGINT and SIGTERM stop the mock before pytest exits; after a SIGKILL of pytest the kernel signals the mock
    # (its parent-death signal), so it is gone within moments.
    assert gone(pid, timeout=0 if sig != signal.SIGKILL else 15), output


def test_an_interrupted_xdist_session_leaves_no_worker_mock(tmp_path):
    proc, pid = run_until_mock_pid(tmp_path, ["-n", "1"])
    proc.send_signal(signal.SIGINT)
    output = finish(proc)
    assert proc.returncode != 0, output
    assert gone(pid, timeout=15), output
