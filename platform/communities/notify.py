"""Emails and SMS of communities, sent after the transaction commits.

Each function takes primary keys and reads fresh rows, so it can run from
``transaction.on_commit`` or a task. Emails are French plain-text templates
under ``communities/emails/``; the notification centre (NOT-1) will carry these
events as well once it lands.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.staff import platform_staff_group
from communes.models import Commune
from communes.services import commune_url
from communities.models import Community, Exclusion, Invitation, Membership, MergeProposal


def _render(template: str, context: dict) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"communities/emails/{template}_subject.txt", context)
        body = render_to_string(f"communities/emails/{template}.txt", context)
    return " ".join(subject.split()), body


def _send_each(template: str, context: dict, emails: list[str]) -> int:
    emails = sorted({e for e in emails if e})
    if not emails:
        return 0
    subject, body = _render(template, context)
    return get_connection().send_messages(
        [EmailMessage(subject, body, None, [email]) for email in emails]
    )


def _open_emails(users) -> list[str]:
    return [u.email for u in users if u.is_active and u.closed_at is None and u.email]


def staff_emails() -> list[str]:
    return list(
        platform_staff_group()
        .user_set.filter(is_active=True, closed_at__isnull=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def referent_emails(community: Community) -> list[str]:
    return list(
        Membership.objects.referents()
        .filter(community=community, user__is_active=True, user__closed_at__isnull=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def deciders_emails(community: Community) -> list[str]:
    """Who decides this community's requests: its référents, or the platform's staff."""
    from communities.models import ValidationMode

    if community.effective_validation_mode == ValidationMode.REFERENT:
        return referent_emails(community)
    return staff_emails()


def _community_url(community: Community) -> str:
    return commune_url(community.commune, reverse("communities:detail", args=[community.pk]))


def _requests_url(community: Community) -> str:
    return commune_url(community.commune, reverse("communities:requests", args=[community.pk]))


def _deciders(community: Community):
    from django.contrib.auth import get_user_model

    from communities.models import ValidationMode

    User = get_user_model()
    if community.effective_validation_mode == ValidationMode.REFERENT:
        return User.objects.filter(
            pk__in=Membership.objects.referents().filter(community=community).values("user_id")
        )
    return platform_staff_group().user_set.all()


def _publish_request(membership: Membership) -> None:
    from notifications.fanout import publish

    community = membership.community
    publish(
        "community.request",
        audience=_deciders(community),
        title=_("Someone asks to join %(community)s") % {"community": community.name},
        url=reverse("communities:requests", args=[community.pk]),
        commune=community.commune,
        dedupe_key=f"community.request:{membership.pk}:{membership.requested_at.isoformat()}",
    )


def _publish_decision(membership: Membership, accepted: bool) -> None:
    from django.contrib.auth import get_user_model

    from notifications.fanout import publish

    community = membership.community
    title = (
        _("Welcome to %(community)s: your request is accepted")
        if accepted
        else _("Your request to join %(community)s is refused")
    ) % {"community": community.name}
    publish(
        "community.decision",
        audience=get_user_model().objects.filter(pk=membership.user_id),
        title=title,
        body="" if accepted else membership.refusal_reason,
        url=reverse("communities:detail", args=[community.pk]) if accepted else "",
        commune=community.commune,
    )


def request_received(membership_pk: int) -> None:
    membership = (
        Membership.objects.select_related("community", "community__commune")
        .filter(pk=membership_pk, status=Membership.Status.PENDING)
        .first()
    )
    if membership is None:
        return
    community = membership.community
    _publish_request(membership)
    sent = _send_each(
        "request_received",
        {"community": community, "requests_url": _requests_url(community)},
        deciders_emails(community),
    )
    if sent:
        # The first email of the day: the daily reminder starts tomorrow.
        from django.utils import timezone

        Community.objects.filter(pk=community.pk).update(reminded_on=timezone.localdate())


def pending_reminder(community: Community, count: int) -> int:
    """CTY-5: the daily email to référents while requests wait."""
    return _send_each(
        "requests_pending",
        {"community": community, "count": count, "requests_url": _requests_url(community)},
        deciders_emails(community),
    )


def escalated(communities_counts: list[tuple[Community, int]]) -> int:
    """CTY-5: requests undecided after the delay, for the platform's staff (one email)."""
    if not communities_counts:
        return 0
    return _send_each(
        "requests_escalated",
        {
            "items": communities_counts,
            "days": settings.COMMUNITY_ESCALATION_DAYS,
            "admin_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
            + reverse("communities_admin_requests"),
        },
        staff_emails(),
    )


def request_decided(membership_pk: int) -> None:
    membership = (
        Membership.objects.select_related("community", "community__commune", "user")
        .filter(pk=membership_pk)
        .first()
    )
    if membership is None:
        return
    community = membership.community
    accepted = membership.status == Membership.Status.MEMBER
    _publish_decision(membership, accepted)
    _send_each(
        "request_accepted" if accepted else "request_refused",
        {
            "community": community,
            "first_name": membership.user.first_name,
            "reason": membership.refusal_reason,
            "community_url": _community_url(community),
        },
        _open_emails([membership.user]),
    )


def referent_changed(membership_pk: int, change: str) -> None:
    membership = (
        Membership.objects.select_related("community", "community__commune", "user")
        .filter(pk=membership_pk)
        .first()
    )
    if membership is None:
        return
    community = membership.community
    _send_each(
        "referent_changed",
        {
            "community": community,
            "first_name": membership.user.first_name,
            "change": change,
            "community_url": _community_url(community),
        },
        _open_emails([membership.user]),
    )


def exclusion_requested(exclusion_pk: int) -> None:
    exclusion = (
        Exclusion.objects.select_related("community", "community__commune")
        .filter(pk=exclusion_pk)
        .first()
    )
    if exclusion is None:
        return
    _send_each(
        "exclusion_requested",
        {
            "community": exclusion.community,
            "admin_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
            + reverse("communities_admin_exclusions"),
        },
        staff_emails(),
    )


def exclusion_decided(
    *,
    member_pk: int,
    requested_by_pk: int | None,
    community_name: str,
    commune_pk: int,
    executed: bool,
    reason: str,
) -> None:
    from accounts.models import User

    commune = Commune.objects.filter(pk=commune_pk).select_related("site").first()
    people = {u.pk: u for u in User.objects.filter(pk__in=[member_pk, requested_by_pk or 0])}
    context = {
        "community_name": community_name,
        "commune": commune,
        "reason": reason,
        "executed": executed,
    }
    if executed and member_pk in people:
        _send_each("excluded", context, _open_emails([people[member_pk]]))
    if requested_by_pk in people:
        _send_each("exclusion_decided", context, _open_emails([people[requested_by_pk]]))


def invitation(invitation_pk: int, *, recipient: str) -> None:
    from communities.services import invitation_url
    from notifications.sms import SmsPurpose, send_sms

    invitation = (
        Invitation.objects.select_related("community", "community__commune", "sender")
        .filter(pk=invitation_pk)
        .first()
    )
    if invitation is None:
        return
    from privacy.matrix import build_card
    from privacy.relations import Relation

    # The invited person is not a member: they see the sender as the matrix shows
    # a member to a neighbour of the same community (name or pseudonym).
    sender_name = build_card(invitation.sender, frozenset({Relation.SAME_COMMUNITY})).display_name
    context = {
        "community": invitation.community,
        "commune": invitation.community.commune,
        "sender_name": sender_name,
        "url": invitation_url(invitation),
    }
    if invitation.channel == Invitation.Channel.EMAIL:
        subject, body = _render("invitation", context)
        send_mail(subject, body, None, [recipient])
    else:
        with translation.override(settings.LANGUAGE_CODE):
            body = " ".join(render_to_string("communities/sms/invitation.txt", context).split())
        send_sms(recipient, body, purpose=SmsPurpose.INVITATION)


def merge_agreed(proposal_pk: int) -> None:
    proposal = MergeProposal.objects.select_related("kept").filter(pk=proposal_pk).first()
    if proposal is None:
        return
    _send_each(
        "merge_agreed",
        {
            "proposal": proposal,
            "admin_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
            + reverse("communities_admin_merges"),
        },
        staff_emails(),
    )
