"""What the page audit corrected (organisations, keys, users, sources), through the official client's public surface."""


def test_organisation_names_its_api_version(ricloud):
    org = ricloud.Organisation.retrieve()
    assert org.api_version == "v3"
    assert org.type == "standard"


def test_key_config_set_on_create_and_update(ricloud):
    key = ricloud.Key.create(config={"publish_source_files": True})
    assert isinstance(key, ricloud.Key)
    assert key.config == {"publish_source_files": True}
    key.update(config={"publish_source_files": False})
    assert key.config == {"publish_source_files": False}
    assert ricloud.Key.retrieve(key.id).config == {"publish_source_files": False}


def test_user_created_on_another_key(ricloud):
    other = ricloud.Key.create()
    user = ricloud.User.create(identifier="on-another-key", key=other.id)
    assert isinstance(user, ricloud.User)
    assert user.key == other.id
    assert ricloud.User.retrieve(user.id).key == other.id


def test_source_created_then_used_by_a_session(ricloud):
    user = ricloud.User.create(identifier="u")
    source = ricloud.Source.create(user=user.id, type="icloud.account", identifier="made+no2fa@example.com")
    assert isinstance(source, ricloud.Source)
    assert source.state == "unvalidated"
    assert isinstance(source.children, ricloud.List)
    again = ricloud.Source.create(user=user.id, type="icloud.account", identifier="made+no2fa@example.com")
    assert again.id == source.id
    session = ricloud.Session.create(
        source={"user": user.id, "type": "icloud.account", "identifier": "made+no2fa@example.com"},
        payload={"password": "x"},
    )
    assert session.state == "active"
    assert session.source.id == source.id
    assert ricloud.Source.retrieve(source.id).state == "active"
    assert [s.id for s in ricloud.Source.list(user=user.id)] == [source.id]


def test_organisation_base_permissions_retrievable_by_their_nested_id(ricloud):
    org = ricloud.Organisation.retrieve()
    base = ricloud.Permissions.retrieve(org.permissions.id)
    assert isinstance(base, ricloud.Permissions)
    assert base.scopes == org.permissions.scopes
    assert base.identifier == org.permissions.identifier


def test_key_created_with_a_storage_config_as_the_page_shows(ricloud):
    (config,) = [c for c in ricloud.StorageConfig.list() if c.state == "valid"][:1]
    key = ricloud.Key.create(storage_config=int(config.id))
    assert key.storage_config == config.id
