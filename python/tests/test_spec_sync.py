"""The control client stays in sync with openapi/control.yaml: every operation has a client method with the same
HTTP method and path, and every operation the client knows is in the spec."""

import inspect
from pathlib import Path

import yaml

from ricloud_mock import OPERATIONS, ControlClient

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "control.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Public methods that are conveniences over an operation of OPERATIONS, not operations themselves.
HELPERS = {"request", "advance_until_idle"}


def spec_operations():
    spec = yaml.safe_load(SPEC.read_text())
    found = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                found[operation["operationId"]] = (method.upper(), path)
    return found


def test_every_operation_of_the_spec_has_a_client_method():
    spec = spec_operations()
    missing = sorted(set(spec) - set(OPERATIONS))
    assert missing == [], "operations of control.yaml with no ControlClient method: %s" % missing
    for operation_id, (method, path) in spec.items():
        assert OPERATIONS[operation_id][:2] == (method, path), operation_id
        assert callable(getattr(ControlClient, OPERATIONS[operation_id][2], None)), operation_id


def test_every_client_operation_is_in_the_spec():
    spec = spec_operations()
    stale = sorted(set(OPERATIONS) - set(spec))
    assert stale == [], "ControlClient operations that control.yaml no longer has: %s" % stale
    public = {name for name, _ in inspect.getmembers(ControlClient, inspect.isfunction) if not name.startswith("_")}
    mapped = {entry[2] for entry in OPERATIONS.values()}
    assert public - HELPERS == mapped, "methods without an operation: %s" % sorted(public - HELPERS - mapped)


def test_each_method_calls_its_own_operation():
    """Each method's source names its operationId, so a method cannot silently call another operation."""
    for operation_id, (_, _, name) in OPERATIONS.items():
        source = inspect.getsource(getattr(ControlClient, name))
        assert '"%s"' % operation_id in source, (name, operation_id)
