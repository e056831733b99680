# An example test using the ricloud_mock fixture of conftest.py.
import json
import urllib.request


def test_the_organisation(ricloud_mock):
    request = urllib.request.Request(
        ricloud_mock["url"] + "/organisation",
        headers={"Authorization": "Token " + ricloud_mock["token"]},
    )
    with urllib.request.urlopen(request) as res:
        assert json.load(res)["resource"] == "organisation"
