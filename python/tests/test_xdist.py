"""pytest-xdist, both patterns: one mock per worker ('worker' mode, the default) and one shared mock started by the
controller with a tenant per test ('shared' mode). Each inner test records what it saw in a file of its own."""

import json

import pytest
import requests

pytest.importorskip("xdist")

RECORDING_TESTS = '''
import json, os, pytest

@pytest.mark.parametrize("n", range(8))
def test_flow(ricloud_mock, ricloud_tenant, n):
    start = ricloud_tenant.now()
    report = ricloud_tenant.advance(60 * (n + 1))
    assert report["from"] == start  # nobody else moved this tenant's clock
    assert {str(job["organisation"]) for job in report["ran"]} <= {ricloud_tenant.id}
    user = ricloud_tenant.post("/users", {"identifier": "user-%d" % n})
    assert [u["id"] for u in ricloud_tenant.get("/users")["data"]] == [user["id"]]
    seen = {"worker": os.environ.get("PYTEST_XDIST_WORKER"), "url": ricloud_mock.url, "pid": ricloud_mock.pid,
            "tenant": ricloud_tenant.id, "n": n}
    with open(os.path.join(os.environ["SEEN_DIR"], "%d.json" % n), "w") as f:
        json.dump(seen, f)
'''


def run(pytester, monkeypatch, inner_args, *args):
    seen_dir = pytester.path / "seen"
    seen_dir.mkdir()
    monkeypatch.setenv("SEEN_DIR", str(seen_dir))
    pytester.makepyfile(test_flows=RECORDING_TESTS)
    result = pytester.runpytest_subprocess(*inner_args, "-n", "2", *args)
    result.assert_outcomes(passed=8)
    return [json.loads(p.read_text()) for p in sorted(seen_dir.iterdir())]


def test_one_mock_per_worker(pytester, monkeypatch, inner_args):
    seen = run(pytester, monkeypatch, inner_args)
    workers = {s["worker"] for s in seen}
    assert workers == {"gw0", "gw1"}
    by_worker = {w: {(s["url"], s["pid"]) for s in seen if s["worker"] == w} for w in workers}
    assert all(len(mocks) == 1 for mocks in by_worker.values())  # one mock for all of a worker's tests
    assert len({s["url"] for s in seen}) == 2 and None not in {s["pid"] for s in seen}
    for url in {s["url"] for s in seen}:
        with pytest.raises(requests.ConnectionError):  # every worker's mock stopped with its worker
            requests.get(url + "/_mock/health", timeout=5)


def test_one_shared_mock_and_a_tenant_per_test(pytester, monkeypatch, inner_args):
    seen = run(pytester, monkeypatch, inner_args, "--ricloud-mock-mode", "shared")
    assert {s["worker"] for s in seen} == {"gw0", "gw1"}
    assert len({s["url"] for s in seen}) == 1  # the controller's mock, for both workers
    assert {s["pid"] for s in seen} == {None}  # the workers did not start it
    assert len({s["tenant"] for s in seen}) == 8  # a tenant for each test
    with pytest.raises(requests.ConnectionError):  # the controller stopped it at the end
        requests.get(seen[0]["url"] + "/_mock/health", timeout=5)
