"""Extension points of accounts for the other apps and the modules.

Both are plain Django signals, not ``core.signals.CommuneModuleSignal``: closing
an account and answering a GDPR access request concern the person everywhere,
whether or not a module is switched on in one of their communes.
"""

from django.dispatch import Signal

# ACC-12. Sent by ``accounts.closure.account_close`` inside its transaction, once
# the account row is anonymised, devices, follows and staff roles are gone.
# Keyword argument: ``user_id``. A receiver does its app's part (a community
# whose last member leaves is deleted, …); an exception rolls the closure back.
# Authored content is kept: the privacy matrix shows its author as "Former member".
account_closed = Signal()

# ACC-13. Sent by ``accounts.export.account_export``. Keyword argument: ``user``.
# A receiver returns ``(section_name, data)``, ``data`` being JSON-serialisable
# (DjangoJSONEncoder: dates, decimals and UUIDs are fine), or ``None`` when it
# has nothing to add. Section names are unique: use the app or module label.
personal_data_export = Signal()
