from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    # Addresses the geocoder could not locate at registration (accounts.tasks).
    periodic_tasks = (
        PeriodicTask(
            func="accounts.tasks.locate_pending_homes",
            minutes=5,
            name="accounts: locate addresses the geocoder could not locate yet",
        ),
    )

    def ready(self):
        # Lazy: these modules import models, which apps.py may not.
        from axes.signals import user_locked_out

        from accounts import audit, password_reset, privacy, sessions

        audit.connect()
        user_locked_out.connect(
            password_reset.on_locked_out, dispatch_uid="voisinage.auth.lockout_notice"
        )
        sessions.connect()
        privacy.register()
