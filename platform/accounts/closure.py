"""ACC-12: a person closes their account.

What is erased, in one transaction: names (replaced by neutral values),
pseudonym, presentation, phones and their blind index, birth date, postal
address, home location, photo (the file is deleted from storage once the
transaction commits), the email address (replaced by a unique placeholder on
the reserved ``.invalid`` domain, so the address can register again), the
password (unusable). The account is inactive and ``closed_at`` is set. Device
tokens (their names can hold a name), follows, staff roles and their
django-guardian permissions, groups, global permissions, hosting-partner staff
memberships, two-factor devices, the Wagtail admin profile and django-axes'
login records for the address are deleted.

What stays: the row itself, so authored content keeps its author; the privacy
matrix shows a closed account as "Former member" everywhere. Core apps do their
part as receivers of ``accounts.signals.account_closed``; a module declares it as
``account_closure`` on its ``PlatformModule`` (run in the same transaction, in
every commune, on or off).

Sessions: we do not scan ``django_session`` (the table has no user column, and
decoding every row to find the person's is work proportional to everybody's
sessions). Every other session of the person ends at its next request, for two
independent reasons: ``ModelBackend.get_user`` refuses an inactive user, and the
session's auth hash no longer matches the new (unusable) password hash, on which
``django.contrib.auth.get_user`` flushes the session. The hash alone is enough
(tested): turning the account active again would not revive a session. Rows left
behind carry no personal data beyond the user id and expire with the session
(``clearsessions``). The session of the request that closes the account is
ended by the view (``logout``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import DeviceToken, PendingLocation
from accounts.services import password_confirm, send_account_email
from accounts.signals import account_closed
from communes.models import Commune, Follow, StaffRole
from communes.roles import sync_staff_permissions
from core.modules import registry

# Stored in place of the real names; every page and the API show "Former member".
CLOSED_FIRST_NAME = "Ancien"
CLOSED_LAST_NAME = "membre"
CLOSED_EMAIL_DOMAIN = "account.invalid"  # RFC 2606: never deliverable


def closed_email(user_id: int) -> str:
    return f"closed-{user_id}-{secrets.token_hex(8)}@{CLOSED_EMAIL_DOMAIN}"


def account_close(*, user, password: str, request=None) -> None:
    """Close ``user``'s account after checking ``password``; see the module docstring.

    Raises ``ValidationError`` (on ``password`` for a wrong password) and
    changes nothing when the account may not be closed.
    """
    if user.is_superuser:
        raise ValidationError(
            _(
                "A platform administrator account cannot be closed from here: ask another "
                "administrator to deactivate it."
            ),
            code="superuser",
        )
    if user.closed_at is not None:
        raise ValidationError(_("This account is already closed."), code="closed")
    password_confirm(user=user, password=password)

    old_email, first_name = user.email, user.first_name
    with transaction.atomic():
        User = get_user_model()
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.closed_at is not None:
            raise ValidationError(_("This account is already closed."), code="closed")
        files = _erase_profile(user)
        _end_links(user, old_email)
        account_closed.send(sender=User, user_id=user.pk)
        for module in registry:
            if module.account_closure is not None:
                import_string(module.account_closure)(user_id=user.pk)
        # robust: the account is closed even if the mail server or the storage fails.
        transaction.on_commit(lambda: _delete_files(files), robust=True)
        send_account_email(
            to=old_email,
            template="account_closed",
            context={
                "site_name": settings.WAGTAIL_SITE_NAME,
                "first_name": first_name,
                "closed_on": timezone.localdate(),
            },
        )
    audit.log_event("account_closed", "success", email=old_email, request=request)


def _erase_profile(user) -> list[tuple[Storage, str]]:
    """Anonymise the row; returns the stored files to delete once committed."""
    files = [(user.photo.storage, user.photo.name)] if user.photo else []
    user.first_name = CLOSED_FIRST_NAME
    user.last_name = CLOSED_LAST_NAME
    user.email = closed_email(user.pk)
    user.pseudonym = ""
    user.presentation = ""
    user.photo = ""
    user.mobile = None  # save() empties mobile_index with it
    user.landline = None
    user.hide_mobile = False
    user.hide_landline = False
    user.accepts_sms = False
    user.birth_date = None
    user.address = None
    user.location = None
    user.email_verified_at = None
    user.registered_by = None
    user.last_login = None
    user.is_active = False
    user.is_staff = False
    user.closed_at = timezone.now()
    user.set_unusable_password()
    user.save()
    return files + _wagtail_profile_files(user)


def _wagtail_profile_files(user) -> list[tuple[Storage, str]]:
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).first()
    if profile is None:
        return []
    files = [(profile.avatar.storage, profile.avatar.name)] if profile.avatar else []
    profile.delete()
    return files


def _end_links(user, old_email: str) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    DeviceToken.objects.filter(user=user).delete()
    PendingLocation.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
    _end_staff_roles(user)
    user.groups.clear()
    user.user_permissions.clear()
    user.hosting_partners.clear()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).delete()
    get_user_model().objects.filter(registered_by=user).update(registered_by=None)


def _end_staff_roles(user) -> None:
    """Town-hall roles end with the account, the last mayor's included.

    ``communes.services.staff_role_revoke`` is for the town hall deciding about
    someone else (it checks the manager's permission and keeps a last mayor);
    here the person leaves. We delete the roles and let ``communes.roles`` bring
    the guardian permissions and editors groups in step, then drop any object
    permission left (granted by hand, on other objects).
    """
    from guardian.models import UserObjectPermission

    roles = StaffRole.objects.filter(user=user)
    communes = list(Commune.objects.filter(pk__in=roles.values("commune_id")))
    roles.delete()
    for commune in communes:
        sync_staff_permissions(commune=commune, user=user)
    UserObjectPermission.objects.filter(user=user).delete()


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        storage.delete(name)
