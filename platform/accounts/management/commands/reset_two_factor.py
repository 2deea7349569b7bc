"""Reset a staff member's second factor (lost phone, no recovery code left).

    python manage.py reset_two_factor anne@mairie.example.fr

Removes the person's authenticator app and recovery codes; their sessions lose
their verified second factor at once, and they set up a new app at their next
login. Only people with a shell on the server (platform superusers) can run it;
each reset is written to the ``voisinage.auth`` log.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import mfa
from accounts.staff import is_any_staff


class Command(BaseCommand):
    help = "Remove a person's two-factor devices: they set up a new app at their next login."

    def add_arguments(self, parser):
        parser.add_argument("email", help="Email address of the account.")

    def handle(self, *args, email, **options):
        User = get_user_model()
        try:
            user = User.objects.get(email__iexact=email.strip())
        except User.DoesNotExist as exc:
            raise CommandError(f"No account with the email address {email!r}.") from exc
        removed = mfa.reset_two_factor(user)
        mfa.log(
            "otp_reset",
            "success" if removed else "nothing_to_reset",
            user=user,
            level=logging.WARNING,
        )
        if not removed:
            self.stdout.write(f"{user.email} had no two-factor device: nothing to reset.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Two-factor authentication reset for {user.email}: "
                "they will set up a new authenticator app at their next login."
            )
        )
        if not is_any_staff(user):
            self.stdout.write(f"Note: {user.email} is not a staff account.")
