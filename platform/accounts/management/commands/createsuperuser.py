"""Django's ``createsuperuser``, with a word about the second factor every staff account needs."""

from django.contrib.auth.management.commands import createsuperuser
from django.urls import reverse


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(
                "Two-factor authentication: at its first login this account will be asked to "
                f"set up an authenticator app ({reverse('accounts:mfa_setup')}) and will get "
                "10 recovery codes."
            )
