"""Writes on communes, hosting partners and module switches.

Every function is keyword-only, atomic, checks its rule and leaves an audit
entry; the Wagtail admin, the API, management commands and tests call these,
never the ORM directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from communes.models import (
    Commune,
    CommuneModule,
    CommunePage,
    Follow,
    HostingPartner,
    Plan,
    StaffInvitation,
    StaffRole,
)
from communes.roles import (
    MANAGE_STAFF,
    ROLE_PERMISSIONS,
    VALIDATE_RESIDENTS,
    sync_staff_permissions,
)
from communes.selectors import (
    commune_permission,
    communes_of_staff,
    is_partner_staff_of,
    user_can_manage_partner,
)
from communes.signals import follow_decided, follow_requested
from core.access import is_open_account
from core.modules import forget_enabled_cache, registry
from core.reauth import confirm_password

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

EDITOR_PAGE_PERMISSIONS = ("add", "change", "publish", "lock", "unlock")
EDITOR_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "image", ("add", "change", "choose")),
    ("wagtaildocs", "document", ("add", "change", "choose")),
)


@dataclass
class CommuneIdentity:
    name: str
    country: str
    official_code: str
    time_zone: str
    population: int = 0
    postal_codes: str = ""
    slug: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contact_address: str = ""
    opening_hours: str = ""
    theme: str = "default"


def _check_partner(user: User, partner: HostingPartner) -> None:
    if not user_can_manage_partner(user, partner):
        raise PermissionDenied(_("You do not manage this hosting partner."))


@transaction.atomic
def plan_save(*, by: User, plan: Plan, created: bool) -> Plan:
    """Save a subscription plan of a partner ``by`` manages: checked (bracket, name unique
    per partner) and logged. The API and the Wagtail plan admin both call it."""
    _check_partner(by, plan.hosting_partner)
    plan.full_clean()
    plan.save()
    log(instance=plan, action="wagtail.create" if created else "wagtail.edit", user=by)
    return plan


def _full_clean(commune: Commune, *, exclude: list[str] | None = None) -> None:
    try:
        commune.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _editors_group(commune: Commune, page: CommunePage, collection: Collection) -> Group:
    group = Group.objects.create(
        name=_("Town hall of %(name)s (%(code)s)")
        % {
            "name": commune.name,
            "code": commune.official_code,
        }
    )
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for permission_type in EDITOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.create(group=group, page=page, permission_type=permission_type)
    for app_label, model, actions in EDITOR_COLLECTION_PERMISSIONS:
        for action in actions:
            GroupCollectionPermission.objects.create(
                group=group,
                collection=collection,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                ),
            )
    return group


@transaction.atomic
def commune_create(
    *,
    by: User,
    partner: HostingPartner,
    identity: CommuneIdentity,
    hostname: str,
    port: int = 80,
    plan: Plan | None = None,
) -> Commune:
    """Create a commune with its Wagtail Site, home page, media collection and editors group."""
    _check_partner(by, partner)
    slug = identity.slug or slugify(identity.name)
    commune = Commune(
        hosting_partner=partner,
        plan=plan,
        slug=slug,
        **{k: v for k, v in identity.__dict__.items() if k != "slug"},
    )
    _full_clean(commune, exclude=["site", "editors_group"])
    hostname = hostname.strip().lower()
    if not hostname or Site.objects.filter(hostname=hostname, port=port).exists():
        raise ValidationError({"hostname": [_("This host name is already used by another site.")]})

    root = Page.get_first_root_node()
    home = CommunePage(title=commune.name, slug=slug, intro="")
    root.add_child(instance=home)
    # The partner creates the site: page permissions are the town hall's, not theirs.
    home.save_revision(user=by).publish(user=by, skip_permission_checks=True)
    site = Site.objects.create(hostname=hostname, port=port, root_page=home, site_name=commune.name)
    collection = Collection.get_first_root_node().add_child(name=commune.name)
    commune.site = site
    commune.save()
    commune.editors_group = _editors_group(commune, home, collection)
    commune.save(update_fields=["editors_group"])
    log(instance=commune, action="wagtail.create", user=by)
    return commune


@transaction.atomic
def commune_update(*, by: User, commune: Commune, **fields: Any) -> Commune:
    """Change a commune's identity, contact details, theme or plan."""
    _check_partner(by, commune.hosting_partner)
    allowed = set(CommuneIdentity.__dataclass_fields__) - {"slug"} | {"plan"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    for name, value in fields.items():
        setattr(commune, name, value)
    _full_clean(commune)
    commune.save()
    if "name" in fields and commune.site_id:
        Site.objects.filter(pk=commune.site_id).update(site_name=commune.name)
    log(instance=commune, action="wagtail.edit", user=by)
    return commune


@transaction.atomic
def module_set_enabled(*, by: User, commune: Commune, module: str, enabled: bool) -> CommuneModule:
    """Switch a module on or off for one commune. Its data is never touched."""
    _check_partner(by, commune.hosting_partner)
    try:
        registry.get(module)
    except LookupError:
        raise ValidationError({"module": [_("Unknown module.")]}) from None
    switch, _created = CommuneModule.objects.select_for_update().get_or_create(
        commune=commune, module=module, defaults={"enabled": enabled, "updated_by": by}
    )
    if switch.enabled != enabled or _created:
        switch.enabled = enabled
        switch.updated_by = by
        switch.save()
        log(
            instance=commune,
            action="communes.module_on" if enabled else "communes.module_off",
            user=by,
            data={"module": module},
        )
    forget_enabled_cache(commune)
    return switch


# What a town hall edits itself, in the order its form shows them.
TOWN_HALL_FIELDS = (
    "contact_email",
    "contact_phone",
    "contact_address",
    "opening_hours",
    "logo",
    "coat_of_arms",
    "theme",
)


@transaction.atomic
def commune_update_details(*, by: User, commune: Commune, **fields: Any) -> Commune:
    """The town hall edits its public details: contacts, hours, logo, coat of arms, theme."""
    if not communes_of_staff(by).filter(pk=commune.pk).exists():
        raise PermissionDenied(_("You cannot edit this commune."))
    unknown = set(fields) - set(TOWN_HALL_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    for name, value in fields.items():
        setattr(commune, name, value)
    _full_clean(commune)
    commune.save(update_fields=[*fields])
    log(instance=commune, action="wagtail.edit", user=by)
    return commune


# --- town-hall staff roles (communes.roles) ------------------------------------------


def _check_manages_staff(by: User, commune: Commune) -> None:
    if not commune_permission(by, commune, MANAGE_STAFF):
        raise PermissionDenied(_("You cannot manage the staff of this commune."))


def _lock(commune: Commune) -> None:
    """Serialise role changes of one commune (two mayors revoking each other, say)."""
    list(Commune.objects.select_for_update().filter(pk=commune.pk).values_list("pk", flat=True))


@transaction.atomic
def staff_role_grant(*, commune: Commune, user: User, role: str, by: User) -> StaffRole:
    """Give ``user`` a town-hall role in ``commune``, with the permissions it brings."""
    _check_manages_staff(by, commune)
    if role not in ROLE_PERMISSIONS:
        raise ValidationError({"role": [_("Unknown role.")]})
    if not is_open_account(user):
        raise ValidationError({"user": [_("This account is closed or deactivated.")]})
    _lock(commune)
    staff_role, created = StaffRole.objects.get_or_create(
        commune=commune, user=user, role=role, defaults={"granted_by": by}
    )
    if not created:
        raise ValidationError({"role": [_("This person already holds this role in this commune.")]})
    sync_staff_permissions(commune=commune, user=user)
    log(
        instance=commune,
        action="communes.staff_role_grant",
        user=by,
        data={"user_id": user.pk, "name": user.get_full_name(), "role": role},
    )
    return staff_role


@transaction.atomic
def staff_role_revoke(
    *,
    by: User,
    role_obj: StaffRole | None = None,
    commune: Commune | None = None,
    user: User | None = None,
    role: str | None = None,
) -> None:
    """Take a role back: ``role_obj``, or the one ``user`` holds as ``role`` in ``commune``.

    The town hall cannot revoke its last mayor; hosting-partner staff and
    superusers can (``communes.roles``).
    """
    if role_obj is not None:
        commune = role_obj.commune
    elif commune is None or user is None or role is None:
        raise TypeError("Pass role_obj, or commune, user and role.")
    _check_manages_staff(by, commune)
    _lock(commune)
    if role_obj is not None:
        role_obj = StaffRole.objects.filter(pk=role_obj.pk, commune=commune).first()
    else:
        role_obj = StaffRole.objects.filter(commune=commune, user=user, role=role).first()
    if role_obj is None:
        raise ValidationError({"role": [_("This person does not hold this role.")]})
    if (
        role_obj.role == StaffRole.Role.MAYOR
        and not by.is_superuser
        and not is_partner_staff_of(by, commune)
        and not StaffRole.objects.filter(commune=commune, role=StaffRole.Role.MAYOR)
        .exclude(pk=role_obj.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "role": [
                    _(
                        "The commune would have no mayor left: name another mayor first, "
                        "or ask your hosting partner."
                    )
                ]
            }
        )
    person = role_obj.user
    role_obj.delete()
    sync_staff_permissions(commune=commune, user=person)
    log(
        instance=commune,
        action="communes.staff_role_revoke",
        user=by,
        data={"user_id": person.pk, "name": person.get_full_name(), "role": role_obj.role},
    )


# --- invitations to a role (issue 20: police and staff without an account) ----------


INVITATION_PATH = "/equipe/invitation/{token}/"  # communes.invitation_views


def _invitation_path(token: str) -> str:
    return INVITATION_PATH.format(token=token)


def _send_invitation_email(invitation: StaffInvitation, token: str) -> None:
    from email.utils import formataddr, parseaddr

    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    commune = invitation.commune
    # The commune's name before the platform's, as notifications' e-mails (which the
    # core's layers keep out of communes' reach) say it.
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    sender = formataddr((f"{commune.name} – {name or settings.WAGTAIL_SITE_NAME}", address))
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "commune": commune,
            "commune_name": commune.name,
            "logo_url": "",
            "platform_name": settings.WAGTAIL_SITE_NAME,
            "role": invitation.get_role_display().lower(),
            "sender_name": invitation.invited_by.get_full_name() if invitation.invited_by else "",
            "url": commune_url(commune, _invitation_path(token)),
            "register_url": commune_url(commune, reverse("accounts:register")),
            "expires_at": invitation.expires_at,
        }
        subject = render_to_string("communes/emails/staff_invitation_subject.txt", context)
        text = render_to_string("communes/emails/staff_invitation.txt", context)
        html = render_to_string("communes/emails/staff_invitation.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()),
        text,
        sender,
        [invitation.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    transaction.on_commit(message.send, robust=True)


@transaction.atomic
def staff_invite(*, commune: Commune, email: str, role: str, by: User) -> StaffInvitation:
    """Invite a person without an account to hold ``role`` in ``commune`` (14 days).

    For an address an account already uses, grant the role instead
    (:func:`staff_role_grant`). Only those who manage the commune's staff.
    """
    from django.contrib.auth import get_user_model

    from communes.invitations import INVITATION_VALIDITY, new_token

    _check_manages_staff(by, commune)
    if role not in ROLE_PERMISSIONS:
        raise ValidationError({"role": [_("Unknown role.")]})
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": [_("Enter an email address.")]})
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": [_("An account already uses this address: grant the role directly.")]}
        )
    _lock(commune)
    if (
        StaffInvitation.objects.pending()
        .filter(commune=commune, email__iexact=email, role=role)
        .exists()
    ):
        raise ValidationError({"email": [_("This address has already been invited to this role.")]})
    token, digest = new_token()
    invitation = StaffInvitation.objects.create(
        commune=commune,
        email=email,
        role=role,
        invited_by=by,
        token_hash=digest,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    _send_invitation_email(invitation, token)
    # The address is personal data: the log keeps the role only.
    log(
        instance=commune,
        action="communes.staff_invite",
        user=by,
        data={"invitation_id": invitation.pk, "role": role},
    )
    return invitation


@transaction.atomic
def staff_invitation_cancel(*, invitation: StaffInvitation, by: User) -> None:
    """Withdraw a pending invitation (its link stops working)."""

    _check_manages_staff(by, invitation.commune)
    deleted, _rows = StaffInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True
    ).delete()
    if not deleted:
        raise ValidationError({"invitation": [_("This invitation is no longer pending.")]})
    log(
        instance=invitation.commune,
        action="communes.staff_invitation_cancel",
        user=by,
        data={"invitation_id": invitation.pk, "role": invitation.role},
    )


def staff_invitation_for_token(token: str) -> StaffInvitation | None:
    """The pending invitation of ``token``, or None (expired, accepted, unknown alike)."""
    from communes.invitations import token_digest

    if not token or len(token) > 100:
        return None
    return (
        StaffInvitation.objects.pending()
        .select_related("commune", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )


@transaction.atomic
def staff_invitation_accept(*, token: str, user: User) -> StaffRole:
    """The invited person, signed in with the verified invited address, takes the role.

    The role is granted by whoever invited them (``staff_role_grant``'s checks: they
    must still manage the commune's staff).
    """

    invitation = staff_invitation_for_token(token)
    if invitation is None:
        raise ValidationError(
            {"invitation": [_("This invitation has expired, was withdrawn or was already used.")]}
        )
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(
            {"invitation": [_("This invitation has expired, was withdrawn or was already used.")]}
        )
    if not is_open_account(user) or user.email.strip().lower() != invitation.email.lower():
        raise PermissionDenied(
            _("This invitation was sent to another address: sign in with that account.")
        )
    if user.email_verified_at is None:
        raise PermissionDenied(_("Verify your email address first, then open the link again."))
    inviter = invitation.invited_by
    if inviter is None or not commune_permission(inviter, invitation.commune, MANAGE_STAFF):
        raise ValidationError(
            {
                "invitation": [
                    _(
                        "The person who invited you no longer manages the staff of this "
                        "commune: ask the town hall for a new invitation."
                    )
                ]
            }
        )
    role = StaffRole.objects.filter(
        commune=invitation.commune, user=user, role=invitation.role
    ).first()
    if role is None:
        role = staff_role_grant(
            commune=invitation.commune, user=user, role=invitation.role, by=inviter
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return role


# --- follows (ACC-9, ACC-10) -------------------------------------------------------

FOLLOW_REASON_MAX_LENGTH = 1000


def commune_url(commune: Commune, path: str = "/") -> str:
    """An absolute address on the commune's own site (the platform's without a site)."""
    if commune.site_id and commune.site is not None:
        return str(commune.site.root_url) + path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@transaction.atomic
def follow_request(*, user: User, commune: Commune) -> tuple[Follow, bool]:
    """Ask to follow ``commune`` (ACC-9); pending until its staff decide (ACC-10).

    Returns the follow and whether a new request was made: asking again after a
    refusal makes it pending again; a pending or validated follow is unchanged.
    The commune's validators are told of each new request by email.
    """
    if not is_open_account(user):
        raise PermissionDenied(_("A closed or deactivated account cannot follow a commune."))
    follow, created = Follow.objects.select_for_update().get_or_create(user=user, commune=commune)
    if not created:
        if follow.status != Follow.Status.REFUSED:
            return follow, False
        follow.status = Follow.Status.PENDING
        follow.created_at = timezone.now()
        follow.decided_at = None
        follow.decided_by = None
        follow.reason = ""
        follow.save(update_fields=["status", "created_at", "decided_at", "decided_by", "reason"])
    log(
        instance=commune,
        action="communes.follow_request",
        user=user,
        data={"follow_id": follow.pk, "user_id": user.pk},
    )
    transaction.on_commit(lambda: notify_follow_request(follow))
    return follow, True


@transaction.atomic
def follow_end(*, user: User, commune: Commune) -> bool:
    """Stop following ``commune`` (the request is forgotten). False if there was none."""
    deleted, _detail = Follow.objects.filter(user=user, commune=commune).delete()
    if deleted:
        log(
            instance=commune,
            action="communes.follow_end",
            user=user,
            data={"user_id": user.pk},
        )
    return bool(deleted)


def follow_leave(*, user: User, commune: Commune, password: str, request: HttpRequest) -> bool:
    """Stop following ``commune`` once the password is confirmed (ACC-9, seed 000).

    A wrong password is a ``ValidationError`` on ``password`` and changes nothing; it
    counts toward the account's lockout as a failed login does (``core.reauth``).
    False if there was no follow.
    """
    confirm_password(request=request, user=user, password=password)
    return follow_end(user=user, commune=commune)


@transaction.atomic
def follow_decide(*, follow: Follow, by: User, accept: bool, reason: str = "") -> Follow:
    """Validate or refuse a pending request (ACC-10); the resident is told by email.

    Only holders of ``validate_residents`` on the commune decide; a refusal may
    carry a reason, shown to the resident.
    """
    if not commune_permission(by, follow.commune, VALIDATE_RESIDENTS):
        raise PermissionDenied(_("You do not validate the residents of this commune."))
    reason = (reason or "").strip()
    if accept and reason:
        raise ValidationError({"reason": [_("Only a refusal carries a reason.")]})
    if len(reason) > FOLLOW_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("Keep the reason under %(count)s characters.")
                    % {"count": FOLLOW_REASON_MAX_LENGTH}
                ]
            }
        )
    locked = (
        Follow.objects.select_for_update(of=("self",))
        .select_related("commune", "commune__site", "user")
        .filter(pk=follow.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("This request no longer exists: the person stopped following."))
    if locked.status != Follow.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    locked.status = Follow.Status.VALIDATED if accept else Follow.Status.REFUSED
    locked.decided_at = timezone.now()
    locked.decided_by = by
    locked.reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    log(
        instance=locked.commune,
        action="communes.follow_validate" if accept else "communes.follow_refuse",
        user=by,
        data={"follow_id": locked.pk, "user_id": locked.user_id},
    )
    transaction.on_commit(lambda: notify_follow_decision(locked))
    return locked


def notify_follow_decision(follow: Follow) -> None:
    """Announce the town hall's decision (``communes.signals.follow_decided``).

    The notification engine tells the resident (``notifications.communes_events``): its
    e-mail is ``notifications/email/kinds/commune.follow_decision``, with the reason of
    a refusal and signed links to the commune's site and to "My communes".
    """
    follow_decided.send(sender=Follow, follow=follow)


def notify_follow_request(follow: Follow) -> None:
    """Announce a request waiting for the validators (``communes.signals.follow_requested``).

    The notification engine tells each person who validates residents of the commune
    (``notifications.communes_events``): each validator's e-mail names nobody (the
    request is read in the admin) and counts the requests that wait, this one among them.

    Runs once the request commits: a request decided in the same transaction (the
    demo's data) waits for nobody, so nothing is sent, never "0 requests are waiting".
    """
    pending = (
        Follow.objects.pending()
        .filter(commune=follow.commune)
        .aggregate(count=Count("pk"), this=Count("pk", filter=Q(pk=follow.pk)))
    )
    if not pending["this"]:
        return
    follow_requested.send(sender=Follow, follow=follow, pending_count=pending["count"])


# --- partner town hall (COM-2) ---------------------------------------------------------

PARTNER_SETTINGS_FIELDS = (
    "community_validation_mode",
    "police_name",
    "police_email",
    "police_phone",
)


@transaction.atomic
def partner_settings_update(*, by: User, commune: Commune, **fields: Any) -> Commune:
    """The mayor of a partner town hall (or its hosting partner) sets the COM-2 settings.

    Validation mode used by every community of the commune, police contact for
    the communities' alerts. Only holders of ``manage_staff`` on the commune.
    """
    if not commune.is_partner or not commune_permission(by, commune, MANAGE_STAFF):
        raise PermissionDenied(_("Only the mayor of a partner town hall can change this."))
    unknown = set(fields) - set(PARTNER_SETTINGS_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    commune = Commune.objects.select_for_update().get(pk=commune.pk)
    for name, value in fields.items():
        setattr(commune, name, value)
    try:
        commune.full_clean()
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    if fields:
        commune.save(update_fields=[*fields])
        log(instance=commune, action="wagtail.edit", user=by)
    return commune
