"""The pytest plugin (entry point `pytest11: ricloud_mock`): fixtures ricloud_mock, ricloud_tenant, ricloud_client,
ricloud_webhooks, and the options that configure them (command line, ini, and for a few the environment)."""

import importlib
import os
import re
import shlex
import sys
from pathlib import Path

import pytest

from .process import MockServer, MockStartError, find_command, start_mock
from .tenant import Tenant, TenantWebhooks
from .webhooks import DEFAULT_DELTA

# name: (help, default, environment variable or None)
OPTIONS = {
    "url": ("use an already running mock at this url instead of starting one", None, "RICLOUD_MOCK_URL"),
    "control_token": ("the mock's control token (--control-token): sent to /_mock, and given to a mock this "
                      "plugin starts", None, "RICLOUD_MOCK_CONTROL_TOKEN"),
    "cmd": ("the command that starts the mock (shell words; 'serve' and its flags are appended), e.g. "
            "'npx ricloud-mock'", None, "RICLOUD_MOCK_CMD"),
    "path": ("a ricloud-mock checkout or package folder, or its bin file (run with node)", None, None),
    "startup_timeout": ("seconds the mock has to become ready", "30", None),
    "seed": ("the seed of a mock this plugin starts", "pytest", None),
    "clock": ("the clock mode of a mock this plugin starts (manual, scaled, real)", "manual", None),
    "args": ("more flags for a mock this plugin starts (shell words)", "", None),
    "mode": ("with pytest-xdist: 'worker' (one mock per worker) or 'shared' (one mock started by the controller, "
             "a tenant per test in every worker)", "worker", None),
    "webhook_delta": ("the signature age limit in seconds of ricloud_webhooks (the official receiver's 600)",
                      str(DEFAULT_DELTA), None),
    "ricloud_py_path": ("a folder holding the official client's `ricloud` package, put on sys.path for "
                        "ricloud_client", None, "RICLOUD_PY_PATH"),
    "client_required": ("'true': ricloud_client fails instead of skipping when `ricloud` is not importable",
                        "false", None),
}

WORKER_INPUT_KEY = "ricloud_mock_shared"


def _flag(name):
    return "--" + ("ricloud-mock-" + name if not name.startswith("ricloud") else name).replace("_", "-")


def _ini(name):
    return name if name.startswith("ricloud") else "ricloud_mock_" + name


def pytest_addoption(parser):
    group = parser.getgroup("ricloud-mock", "ricloud-mock: a stateful mock of the ricloud v3 API")
    for name, (help_text, default, env) in OPTIONS.items():
        extra = " (ini %s%s; default %s)" % (_ini(name), ", env " + env if env else "", default or "none")
        group.addoption(_flag(name), dest=_ini(name), default=None, help=help_text + extra)
        parser.addini(_ini(name), help_text, default=None)


def _option_with_source(config, name):
    """(value, source): the command line, else the ini file, else its environment variable, else the default."""
    value = config.getoption(_ini(name), None)
    if value not in (None, "", []):
        return value, "cli"
    value = config.getini(_ini(name))
    if value not in (None, "", []):
        return value, "ini"
    env = OPTIONS[name][2]
    value = os.environ.get(env) if env else None
    if value not in (None, ""):
        return value, "env"
    return OPTIONS[name][1], "default"


def get_option(config, name):
    """An option's value: the command line, else the ini file, else its environment variable, else the default."""
    return _option_with_source(config, name)[0]


def _path_option(config, name):
    """A path option, absolute: relative to the ini file's folder when it comes from there, else to the folder
    pytest was started in."""
    value, source = _option_with_source(config, name)
    if not value:
        return None
    p = Path(value).expanduser()
    if not p.is_absolute():
        base = Path(config.inipath).parent if source == "ini" and config.inipath else \
            Path(config.invocation_params.dir)
        p = base / p
    return str(p.resolve())


def _timeout(config):
    raw = get_option(config, "startup_timeout")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise pytest.UsageError("--ricloud-mock-startup-timeout must be a number of seconds, not %r" % (raw,))
    if value <= 0:
        raise pytest.UsageError("--ricloud-mock-startup-timeout must be more than 0, not %r" % (raw,))
    return value


def _mode(config):
    mode = get_option(config, "mode")
    if mode not in ("worker", "shared"):
        raise pytest.UsageError("--ricloud-mock-mode must be 'worker' or 'shared', not %r" % (mode,))
    return mode


def _is_xdist_worker(config):
    return hasattr(config, "workerinput")


def _is_xdist_controller(config):
    return not _is_xdist_worker(config) and bool(getattr(config.option, "numprocesses", None)) and \
        getattr(config.option, "dist", "no") != "no"


def _start(config):
    command = find_command(cmd=get_option(config, "cmd"), path=_path_option(config, "path"),
                           rootdir=str(config.rootpath))
    server = start_mock(
        command,
        seed=get_option(config, "seed"),
        clock=get_option(config, "clock"),
        control_token=get_option(config, "control_token"),
        extra_args=shlex.split(get_option(config, "args") or ""),
        startup_timeout=_timeout(config),
    )
    config.__dict__.setdefault("_ricloud_mock_started", []).append(server)
    return server


def _external(config, url, token=None):
    server = MockServer(url, token=token, control_token=get_option(config, "control_token"))
    try:
        server.control.health()
    except Exception as exc:
        raise MockStartError("the mock at %s (--ricloud-mock-url) does not answer /_mock/health: %s" % (url, exc))
    return server


def pytest_configure(config):
    config.addinivalue_line("markers", "ricloud_tenant(**options): options of the test's tenant "
                                       "(preset, scopes, storage, token, clock) for the ricloud_tenant fixture")
    _mode(config)
    _timeout(config)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Shared mode under xdist: the controller starts the one mock before the workers start."""
    config = session.config
    if _mode(config) != "shared" or not _is_xdist_controller(config) or get_option(config, "url"):
        return
    try:
        config._ricloud_mock_shared = _start(config)
    except MockStartError as exc:
        raise pytest.UsageError("ricloud-mock (shared mode) did not start: %s" % exc)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist, in the controller: every worker gets the shared mock's url and token."""
    server = getattr(node.config, "_ricloud_mock_shared", None)
    if server is not None:
        node.workerinput[WORKER_INPUT_KEY] = {"url": server.url, "token": server.token}


def pytest_unconfigure(config):
    # An interrupted session (Ctrl-C) never ran its fixtures' teardown: every mock this config started stops here.
    # (atexit and the SIGTERM/SIGHUP handlers of ricloud_mock.process cover the rest.)
    for server in config.__dict__.pop("_ricloud_mock_started", []):
        server.stop()


def pytest_report_header(config):
    url = get_option(config, "url")
    if url:
        return "ricloud-mock: external mock at %s" % url
    return "ricloud-mock: mode %s, seed %s, clock %s" % (_mode(config), get_option(config, "seed"),
                                                         get_option(config, "clock"))


@pytest.fixture(scope="session")
def ricloud_mock(request):
    """The mock of this session (of this xdist worker, in 'worker' mode): a MockServer with `url`, `token`,
    `control` (the /_mock client), `pid` (None when external) and `log_path`."""
    config = request.config
    url = get_option(config, "url")
    shared = getattr(config, "workerinput", {}).get(WORKER_INPUT_KEY)
    if url or shared:
        try:
            server = _external(config, url) if url else _external(config, shared["url"], shared["token"])
        except MockStartError as exc:
            pytest.fail("MockStartError: %s" % exc, pytrace=False)
        yield server
        return
    try:
        server = _start(config)
    except MockStartError as exc:
        pytest.fail("MockStartError: %s" % exc, pytrace=False)  # the reason and the mock's log, no traceback
    try:
        yield server
    finally:
        server.stop()


def _worker():
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture
def ricloud_tenant(request, ricloud_mock):
    """A fresh tenant for this test (its own key, token and clock, in the mock's clock mode), deleted after. Options of
    the `ricloud_tenant` marker go to `POST /_mock/organisations` (preset, scopes, storage, token, clock)."""
    options = {}
    marker = request.node.get_closest_marker("ricloud_tenant")
    if marker is not None:
        options.update(marker.kwargs)
    name = re.sub(r"\s+", " ", "pytest %s %s" % (_worker(), request.node.nodeid))[:200]
    tenant = Tenant.create(ricloud_mock.control, ricloud_mock.url, name, **options)
    try:
        yield tenant
    finally:
        try:
            tenant.delete_tenant()
        except Exception:
            pass


def _import_client(config):
    path = _path_option(config, "ricloud_py_path")
    if path:
        if not (Path(path) / "ricloud" / "__init__.py").is_file():
            return None, "ricloud_py_path=%s holds no ricloud package: point it (or RICLOUD_PY_PATH) at the folder " \
                         "of ricloud-py 3.2.0, or pip install ricloud==3.2.0" % path
        if path not in sys.path:
            sys.dont_write_bytecode = True  # never write __pycache__ into a shared client folder
            sys.path.insert(0, path)
    try:
        return importlib.import_module("ricloud"), None
    except ImportError as exc:
        return None, "the official client `ricloud` is not importable (%s): pip install ricloud==3.2.0, or set " \
                     "--ricloud-py-path / ricloud_py_path / RICLOUD_PY_PATH to its folder" % exc


@pytest.fixture
def ricloud_client(request, ricloud_tenant):
    """The official `ricloud` module pointed at this test's tenant (`ricloud.url`, `ricloud.token`; no
    `Ricloud-Await`, since the test moves the clock); restored after. Skips when `ricloud` is not importable
    (fails instead with ricloud_client_required = true)."""
    client, missing = _import_client(request.config)
    if client is None:
        if str(get_option(request.config, "client_required")).lower() in ("1", "true", "yes"):
            pytest.fail(missing + " (ricloud_client_required is set)", pytrace=False)
        pytest.skip(missing)
    from ricloud.resources.abase import ABResource

    handler = ABResource.request_handler
    saved = (client.url, client.token, handler.await_for)
    client.url, client.token, handler.await_for = ricloud_tenant.url, ricloud_tenant.token, None
    try:
        yield client
    finally:
        client.url, client.token, handler.await_for = saved


@pytest.fixture
def ricloud_webhooks(request, ricloud_tenant):
    """A receiver on a real socket set as the tenant's webhook config (made valid by its verified test event):
    `events`, `deliveries`, `rejected`, `matching(...)`, `wait_for(type, action, predicate, count)` (runs the
    tenant's clock until idle, then checks), `secret`, `url`."""
    delta = int(get_option(request.config, "webhook_delta"))
    hooks = TenantWebhooks(ricloud_tenant, delta=delta)
    try:
        hooks.configure()
        yield hooks
    finally:
        hooks.close()
