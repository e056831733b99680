"""docs/python.md's examples run as written: the ten-line test (with the official client) and the control client."""

import os
import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def block_after(heading):
    text = GUIDE.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_ten_line_example_passes(pytester, inner_args, ricloud_client):
    code = block_after("## Ten lines")
    assert len(code.strip().splitlines()) == 10
    pytester.makepyfile(test_ten_lines=code)
    folder = os.path.dirname(os.path.dirname(os.path.abspath(ricloud_client.__file__)))
    pytester.runpytest_subprocess(*inner_args, "--ricloud-py-path", folder).assert_outcomes(passed=1)


def test_the_control_client_example_runs(ricloud_mock, capsys):
    code = block_after("## The control client").replace('"http://127.0.0.1:8787"', repr(ricloud_mock.url))
    try:
        exec(compile(code, str(GUIDE), "exec"), {})
        assert [f["status"] for f in ricloud_mock.control.list_faults()["data"]] == [503]
    finally:
        ricloud_mock.control.clear_faults()  # the example's fault applies to every tenant of this mock
    assert capsys.readouterr().out.startswith("404 ")
