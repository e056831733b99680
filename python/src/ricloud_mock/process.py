"""Starting and stopping a ricloud-mock server process: a startup deadline, a clear error with the mock's log,
and no process left behind (its own process group, killed at exit, on SIGTERM/SIGHUP, and when its parent dies)."""

import atexit
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from .client import ControlClient

__all__ = ["MockStartError", "MockServer", "find_command", "start_mock", "stop_all"]

LOG_TAIL_LINES = 40

_running = []  # every MockServer this process started and has not stopped yet
_running_lock = threading.Lock()


class MockStartError(RuntimeError):
    """The mock did not become ready: it exited, or missed the startup deadline. The message ends with its log."""


def find_command(cmd=None, path=None, rootdir=None):
    """The argv prefix that starts the mock: `cmd` (a shell-style string or a list), else `path` (a checkout or
    an installed package folder, a bin file, or a .js file), else `node_modules/.bin/ricloud-mock` in `rootdir`
    or any folder above it, else `ricloud-mock` on PATH. Raises MockStartError saying how to install it."""
    if cmd:
        return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)
    if path:
        p = Path(path).expanduser().resolve()
        if p.is_dir():
            for candidate in (p / "bin" / "ricloud-mock.js", p / "node_modules" / ".bin" / "ricloud-mock"):
                if candidate.is_file():
                    p = candidate
                    break
            else:
                raise MockStartError("ricloud-mock path %s holds neither bin/ricloud-mock.js nor node_modules/.bin/"
                                     "ricloud-mock" % p)
        if not p.is_file():
            raise MockStartError("ricloud-mock path %s does not exist" % p)
        return ["node", str(p)] if p.suffix in (".js", ".mjs") else [str(p)]
    start = Path(rootdir or os.getcwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / "node_modules" / ".bin" / "ricloud-mock"
        if candidate.is_file():
            return [str(candidate)]
    on_path = shutil.which("ricloud-mock")
    if on_path:
        return [on_path]
    raise MockStartError(
        "ricloud-mock was not found: no node_modules/.bin/ricloud-mock in %s or above, none on PATH. Install it "
        "(npm install --save-dev ricloud-mock), or pass --ricloud-mock-cmd, --ricloud-mock-path or "
        "--ricloud-mock-url (ini: ricloud_mock_cmd, ricloud_mock_path, ricloud_mock_url)." % start
    )


def _set_parent_death_signal():
    """In the child before exec (Linux): SIGTERM when the process that started it dies, even by SIGKILL."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class MockServer:
    """A running mock: `url`, `token` (the preset organisation's key), `control` (a ControlClient), `pid`,
    `log_path`. `external` is True for a mock this process did not start (stop() then does nothing)."""

    def __init__(self, url, token=None, control_token=None, proc=None, workdir=None, log_path=None):
        self.url = url.rstrip("/")
        self.token = token
        self.control_token = control_token
        self.control = ControlClient(self.url, control_token=control_token)
        self._proc = proc
        self._workdir = workdir
        self.log_path = log_path

    @property
    def external(self):
        return self._proc is None

    @property
    def pid(self):
        return None if self._proc is None else self._proc.pid

    def __repr__(self):
        return "MockServer(%r, pid=%r)" % (self.url, self.pid)

    def log_tail(self, lines=LOG_TAIL_LINES):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "r", errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def stop(self, timeout=10):
        """Stops the mock and everything in its process group: SIGTERM, then SIGKILL after `timeout` seconds."""
        proc = self._proc
        if proc is None:
            return
        with _running_lock:
            if self in _running:
                _running.remove(self)
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout)
        # Whatever the mock started in its group (an npx wrapper's child) goes too.
        _signal_group(proc, signal.SIGKILL)
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


def _signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.send_signal(sig)
        except (ProcessLookupError, OSError):
            pass


def start_mock(command, seed="pytest", clock="manual", control_token=None, extra_args=(), startup_timeout=30.0,
               env=None, cwd=None):
    """Starts `command + serve ...` on 127.0.0.1, any free port, in a private data dir; waits for its ready file
    and `GET /_mock/health` until `startup_timeout` seconds; returns a MockServer. Raises MockStartError (with the
    mock's log tail) when it exits or misses the deadline; the process is then killed."""
    _install_exit_handlers()
    workdir = tempfile.mkdtemp(prefix="ricloud-mock-")
    ready_file = os.path.join(workdir, "ready")
    log_path = os.path.join(workdir, "mock.log")
    args = list(command) + [
        "serve", "--host", "127.0.0.1", "--port", "0", "--seed", seed, "--clock", clock,
        "--data-dir", os.path.join(workdir, "data"), "--ready-file", ready_file,
        "--log-format", "json", "--log-level", "warn",
    ]
    if control_token:
        args += ["--control-token", control_token]
    args += list(extra_args)
    log = open(log_path, "wb")
    popen_kwargs = {}
    if os.name == "posix":
        popen_kwargs["start_new_session"] = True  # its own process group: killed as a whole
        if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
            popen_kwargs["preexec_fn"] = _set_parent_death_signal
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=env, cwd=cwd, **popen_kwargs)
    except OSError as exc:
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
        raise MockStartError("could not run %s: %s" % (shlex.join(args), exc))
    finally:
        if not log.closed:
            log.close()
    server = MockServer("http://127.0.0.1", control_token=control_token, proc=proc, workdir=workdir,
                        log_path=log_path)
    with _running_lock:
        _running.append(server)
    try:
        _wait_ready(server, proc, ready_file, startup_timeout, args)
    except BaseException:
        tail = server.log_tail()
        server._workdir = None  # keep nothing: the tail is in the error
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        exc = sys.exc_info()[1]
        if isinstance(exc, MockStartError):
            raise MockStartError("%s\n--- ricloud-mock log (last %d lines) ---\n%s" % (exc, LOG_TAIL_LINES,
                                                                                     tail or "(empty)\n"))
        raise
    return server


def _wait_ready(server, proc, ready_file, startup_timeout, args):
    started = time.monotonic()
    deadline = started + startup_timeout
    url = None
    while True:
        code = proc.poll()
        if code is not None:
            raise MockStartError("ricloud-mock exited with code %s before it was ready (%s)" % (code,
                                                                                                 shlex.join(args)))
        if url is None and os.path.exists(ready_file):
            with open(ready_file) as f:
                text = f.read().strip()
            if text:
                url = text
                server.url = url
                server.control = ControlClient(url, control_token=server.control_token)
        if url is not None:
            token = _ready_token(server.log_path)
            if token is not None:
                try:
                    if requests.get(url + "/_mock/health", timeout=2).status_code == 200:
                        server.token = token
                        return
                except requests.RequestException:
                    pass
        if time.monotonic() > deadline:
            raise MockStartError("ricloud-mock was not ready within the startup deadline of %g s (waited %.1f s; "
                                 "--ricloud-mock-startup-timeout; %s)" % (startup_timeout, time.monotonic() - started,
                                                                         shlex.join(args)))
        time.sleep(0.05)  # a readiness poll of a starting process, bounded by the deadline


def _ready_token(log_path):
    """The key token from the mock's JSON ready line, once it is written."""
    with open(log_path, "r", errors="replace") as f:
        for line in f:
            if line.startswith('{"event":"listening"'):
                try:
                    return json.loads(line)["token"]
                except (ValueError, KeyError):
                    return None
    return None


def stop_all():
    """Stops every mock this process started (at exit, on SIGTERM/SIGHUP, at the end of a pytest session)."""
    with _running_lock:
        servers = list(_running)
    for server in servers:
        try:
            server.stop(timeout=5)
        except Exception:
            pass


_handlers_installed = False


def _install_exit_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(stop_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        previous = signal.getsignal(sig)

        def handler(signum, frame, previous=previous):
            stop_all()
            if callable(previous):
                return previous(signum, frame)
            if previous == signal.SIG_IGN:
                return None
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return None

        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):
            pass
