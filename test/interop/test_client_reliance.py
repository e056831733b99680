"""What the official client relies on that the docs leave out (fidelity/ledger/ricloud-py.yaml), through its own API."""

from ricloud.utils import join_url


def test_a_nested_list_url_answers_the_list_it_carries(ricloud):
    # ricloud/resources/abase.py: a nested list object becomes a List whose instance_url is the list's `url`.
    org = ricloud.Organisation.retrieve()
    assert len(org.storage_configs) == 1
    for nested in (org.storage_configs, org.webhook_configs):
        assert isinstance(nested, ricloud.List)
        response, status = ricloud.Organisation.request_handler.get(join_url(ricloud.url, nested.instance_url))
        assert status == 200
        followed = ricloud.List(**response)
        assert [item.id for item in followed] == [item.id for item in nested]
        assert followed.total_count == nested.total_count
        assert followed.url == nested.url
