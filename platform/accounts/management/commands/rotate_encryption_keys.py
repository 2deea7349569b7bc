"""Re-encrypt personal data with the first FIELD_ENCRYPTION_KEYS key (ACC-13).

Run it after putting a new key first in FIELD_ENCRYPTION_KEYS; once it has run,
the old keys can be removed. With --reindex, the blind indexes (mobile numbers,
birthdays) are recomputed too (after BLIND_INDEX_KEY changed). Works in batches, each in its
own transaction, so it can be stopped and run again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts.crypto import blind_index, field_fernet
from accounts.models import User, birthday_index

ENCRYPTED_COLUMNS = ("mobile", "landline", "address", "birth_date")


class Command(BaseCommand):
    help = "Re-encrypt phones, addresses and birth dates with the newest key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="Recompute the blind indexes of mobile numbers and birthdays.",
        )

    def handle(self, *args, batch_size: int, reindex: bool, **options):
        last_pk, rotated = 0, 0
        while True:
            with transaction.atomic():
                done = self._rotate_batch(last_pk, batch_size, reindex=reindex)
            if not done:
                break
            rotated += len(done)
            last_pk = done[-1]
        self.stdout.write(self.style.SUCCESS(f"{rotated} accounts re-encrypted."))

    def _rotate_batch(self, after_pk: int, size: int, *, reindex: bool) -> list[int]:
        fernet = field_fernet()
        quote = connection.ops.quote_name
        table = quote(User._meta.db_table)
        columns = ", ".join(quote(c) for c in ENCRYPTED_COLUMNS)
        assignments = ", ".join(f"{quote(c)} = %s" for c in ENCRYPTED_COLUMNS)
        if reindex:
            assignments += ", mobile_index = %s, birthday_index = %s"
        done = []
        with connection.cursor() as cursor:
            # Raw values: the ORM would decrypt them, we want the tokens.
            cursor.execute(
                f"SELECT id, {columns} FROM {table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                [after_pk, size],
            )
            for pk, *values in cursor.fetchall():
                params = [fernet.rotate(v.encode()).decode() if v else v for v in values]
                if reindex:
                    mobile = values[0] and fernet.decrypt(values[0].encode()).decode()
                    params.append(blind_index(mobile or ""))
                    born = values[3] and fernet.decrypt(values[3].encode()).decode()
                    params.append(birthday_index(born or None))
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                    [*params, pk],
                )
                done.append(pk)
        return done
