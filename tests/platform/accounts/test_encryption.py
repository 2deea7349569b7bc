"""ACC-13: encryption at rest, key rotation, and finding an account by mobile number."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from accounts.crypto import blind_index, field_fernet
from accounts.models import User
from accounts.selectors import accounts_with_mobile
from tests.factories import UserFactory


def raw(user, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def person(db):
    return UserFactory(mobile="+2250701020304", address="Rue des Jardins, Cocody")


def test_rotation_re_encrypts_with_the_new_key_and_old_keys_can_go(person, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    before = raw(person, "mobile")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    # With both keys, the old ciphertext still reads.
    assert User.objects.get(pk=person.pk).mobile == "+2250701020304"
    call_command("rotate_encryption_keys", batch_size=1, stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = raw(person, "mobile")
    assert after != before
    Fernet(new_key.encode()).decrypt(after.encode())  # readable with the new key alone
    with pytest.raises(InvalidToken):
        Fernet(old_key.encode()).decrypt(after.encode())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    reread = User.objects.get(pk=person.pk)
    assert reread.mobile == "+2250701020304"
    assert reread.address == "Rue des Jardins, Cocody"


def test_reindex_follows_a_new_blind_index_key(person, settings):
    settings.BLIND_INDEX_KEY = "another-index-key"
    assert list(accounts_with_mobile("+2250701020304")) == []
    call_command("rotate_encryption_keys", reindex=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(accounts_with_mobile("+2250701020304")) == [person]


def test_an_account_is_found_by_mobile_through_the_index_in_one_query(
    person, django_assert_num_queries
):
    second_home = UserFactory(mobile="+2250701020304")  # ACC-8: same mobile, another account
    UserFactory(mobile="+2250799999999")
    with django_assert_num_queries(1):
        found = set(accounts_with_mobile("07 01 02 03 04", region="CI"))
    assert found == {person, second_home}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_user WHERE mobile LIKE %s", ["%0701020304%"])
        assert cursor.fetchone()[0] == 0  # nothing to find in clear


def test_the_index_is_keyed(person):
    import hashlib

    assert raw(person, "mobile_index") == blind_index("+2250701020304")
    assert raw(person, "mobile_index") != hashlib.sha256(b"+2250701020304").hexdigest()


def test_every_sensitive_column_is_a_fernet_token(person):
    person.birth_date = "1990-01-01"
    person.landline = "+33299001122"
    person.save()
    for column in ("mobile", "landline", "address", "birth_date"):
        value = raw(person, column)
        assert field_fernet().decrypt(value.encode())
