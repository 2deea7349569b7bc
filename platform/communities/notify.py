"""What communities tell people: events of the notification engine, and the invitation.

Each function takes primary keys and reads fresh rows, so it runs from
``transaction.on_commit`` or a task. Every message to an account is an event of
``notifications.fanout.publish`` (kinds declared on ``CommunitiesConfig``): the engine
writes the centre's row, queues the e-mail and the push, retries them when the provider
fails, sends each once, signs the links and honours the person's preferences. The
e-mails' wording is in ``notifications/email/kinds/community.*``.

The invitation is the exception: it goes to an address that belongs to no account and
that is not kept (CTY-10), so it is a transactional message, sent at once and fail-safe
(docs/architecture.md, "Notifications").
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.staff import platform_staff_group
from communes.models import Commune
from communities.models import (
    Community,
    Exclusion,
    Invitation,
    Membership,
    MergeProposal,
    ValidationMode,
)
from communities.selectors import invitation_url
from notifications.emails import logo_url, sender_for
from notifications.fanout import publish
from notifications.sms import SmsPurpose, send_sms
from privacy.matrix import build_card
from privacy.relations import Relation

logger = logging.getLogger(__name__)


def _publish(kind: str, **kwargs):
    return publish(kind, **kwargs)


def _staff():
    return platform_staff_group().user_set.all()


def _person(pk: int | None):
    return get_user_model().objects.filter(pk=pk or 0)


def deciders(community: Community):
    """Who decides this community's requests: its référents, or the platform's staff."""
    if community.effective_validation_mode == ValidationMode.REFERENT:
        return get_user_model().objects.filter(
            pk__in=Membership.objects.referents().filter(community=community).values("user_id")
        )
    return _staff()


def _requests_path(community: Community) -> str:
    return reverse("communities:requests", args=[community.pk])


def request_received(membership_pk: int) -> None:
    membership = (
        Membership.objects.select_related("community", "community__commune")
        .filter(pk=membership_pk, status=Membership.Status.PENDING)
        .first()
    )
    if membership is None:
        return
    community = membership.community
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Someone asks to join %(community)s") % {"community": community.name}
    published = _publish(
        "community.request",
        audience=deciders(community),
        title=title,
        url=_requests_path(community),
        commune=community.commune,
        data={"community": community.name},
        dedupe_key=f"community.request:{membership.pk}:{membership.requested_at.isoformat()}",
    )
    if published.created and published.emails:
        # The first e-mail of the day: the daily reminder starts tomorrow.
        Community.objects.filter(pk=community.pk).update(reminded_on=timezone.localdate())


def pending_reminder(community: Community, count: int) -> int:
    """CTY-5: the daily e-mail to the deciders while requests wait; how many are queued."""
    with translation.override(settings.LANGUAGE_CODE):
        title = ngettext(
            "%(count)s request waits to join %(name)s",
            "%(count)s requests wait to join %(name)s",
            count,
        ) % {"count": count, "name": community.name}
    return _publish(
        "community.requests_pending",
        audience=deciders(community),
        title=title,
        url=_requests_path(community),
        commune=community.commune,
        data={"community": community.name, "count": count},
    ).emails


def escalated(communities_counts: list[tuple[Community, int]]) -> int:
    """CTY-5: requests undecided after the delay, for the platform's staff (one e-mail)."""
    if not communities_counts:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Membership requests waiting for the platform's staff")
    return _publish(
        "community.requests_escalated",
        audience=_staff(),
        title=title,
        url=reverse("communities_admin_requests"),
        data={
            "rows": [
                [community.name, community.commune.name, count]
                for community, count in communities_counts
            ],
            "days": settings.COMMUNITY_ESCALATION_DAYS,
        },
    ).emails


def request_decided(membership_pk: int) -> None:
    membership = (
        Membership.objects.select_related("community", "community__commune")
        .filter(pk=membership_pk)
        .first()
    )
    if membership is None:
        return
    community = membership.community
    accepted = membership.status == Membership.Status.MEMBER
    with translation.override(settings.LANGUAGE_CODE):
        title = (
            _("Welcome to %(community)s: your request is accepted")
            if accepted
            else _("Your request to join %(community)s is refused")
        ) % {"community": community.name}
    decided = membership.decided_at.isoformat() if membership.decided_at else ""
    _publish(
        "community.decision",
        audience=_person(membership.user_id),
        title=title,
        body="" if accepted else membership.refusal_reason,
        # CTY-4: a refusal links to the support desk's form, to contest it.
        url=reverse("communities:detail", args=[community.pk]) if accepted else appeal_path(),
        commune=community.commune,
        data={"community": community.name, "accepted": accepted},
        dedupe_key=f"community.decision:{membership.pk}:{decided}",
    )


def appeal_path() -> str:
    """The support form with "I contest a refusal" chosen (CTY-4)."""
    return reverse("moderation:support") + "?topic=appeal_refusal"


def refusal_overturned(membership_pk: int) -> None:
    """CTY-4: the platform's staff overturned a refusal; the community's référents learn
    that a neighbour joined (the person is welcomed by :func:`request_decided`)."""
    membership = (
        Membership.objects.select_related("community", "community__commune")
        .filter(pk=membership_pk, status=Membership.Status.MEMBER)
        .first()
    )
    if membership is None:
        return
    community = membership.community
    with translation.override(settings.LANGUAGE_CODE):
        title = _("The platform's staff accepted a neighbour in %(community)s after an appeal") % {
            "community": community.name
        }
    decided = membership.decided_at.isoformat() if membership.decided_at else ""
    _publish(
        "community.decision",
        audience=_referents_of(community.pk).exclude(pk=membership.user_id),
        title=title,
        url=reverse("communities:detail", args=[community.pk]),
        commune=community.commune,
        data={"community": community.name, "accepted": True, "overturned": True},
        dedupe_key=f"community.overturned:{membership.pk}:{decided}",
    )


def referent_changed(membership_pk: int, change: str) -> None:
    membership = (
        Membership.objects.select_related("community", "community__commune")
        .filter(pk=membership_pk)
        .first()
    )
    if membership is None:
        return
    community = membership.community
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Your role in %(name)s") % {"name": community.name}
    _publish(
        "community.referent",
        audience=_person(membership.user_id),
        title=title,
        url=reverse("communities:detail", args=[community.pk]),
        commune=community.commune,
        data={"community": community.name, "change": change},
    )


def exclusion_requested(exclusion_pk: int) -> None:
    exclusion = Exclusion.objects.select_related("community").filter(pk=exclusion_pk).first()
    if exclusion is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Exclusion requested in %(name)s") % {"name": exclusion.community.name}
    # Staff decide in the platform's admin: the event has no commune, so its links lead
    # to the platform's host, where staff are signed in.
    _publish(
        "community.exclusion_request",
        audience=_staff(),
        title=title,
        url=reverse("communities_admin_exclusions"),
        data={"community": exclusion.community.name},
        dedupe_key=f"community.exclusion_request:{exclusion.pk}",
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
    commune = Commune.objects.filter(pk=commune_pk).first()
    data = {"community_name": community_name, "executed": executed}
    with translation.override(settings.LANGUAGE_CODE):
        excluded_title = _("You are no longer a member of %(community_name)s") % data
        decided_title = _("Your exclusion request in %(community_name)s") % data
    if executed:
        _publish(
            "community.excluded",
            audience=_person(member_pk),
            title=excluded_title,
            body=reason,
            commune=commune,
            data=data,
        )
    if requested_by_pk:
        _publish(
            "community.exclusion_decided",
            audience=_person(requested_by_pk),
            title=decided_title,
            commune=commune,
            data=data,
        )


def _referents_of(community_pk: int):
    return get_user_model().objects.filter(
        pk__in=Membership.objects.referents().filter(community=community_pk).values("user_id")
    )


def _merge_data(proposal: MergeProposal) -> dict:
    absorbed = [side.name for side in proposal.absorbed_sides]
    return {"absorbed": ", ".join(absorbed), "absorbed_names": absorbed, "kept": proposal.kept.name}


def _merge_proposal(proposal_pk: int) -> MergeProposal | None:
    return (
        MergeProposal.objects.select_related("kept", "kept__commune")
        .prefetch_related("sides__community")
        .filter(pk=proposal_pk)
        .first()
    )


def merge_proposed(proposal_pk: int) -> None:
    """CTY-12: the référents of the other sides are asked to agree (the proposer's side
    agreed by proposing)."""
    proposal = _merge_proposal(proposal_pk)
    if proposal is None or proposal.status != MergeProposal.Status.OPEN:
        return
    proposer_side = next((side for side in proposal.sides.all() if side.agreed), None)
    kept = proposal.kept
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A merge of communities into %(kept)s is proposed") % {"kept": kept.name}
    for side in proposal.ordered_sides:
        if side.agreed or side.community is None or side.community_id is None:
            continue
        _publish(
            "community.merge_proposed",
            audience=_referents_of(side.community_id),
            title=title,
            url=reverse("communities:merge", args=[side.community_id]),
            commune=kept.commune,
            data={
                **_merge_data(proposal),
                "community": side.community.name,
                "proposer": proposer_side.name if proposer_side else "",
            },
            dedupe_key=f"community.merge_proposed:{proposal.pk}:{side.community_id}",
        )


def merge_agreed(proposal_pk: int) -> None:
    """CTY-12: every side agreed: the platform's staff are asked to execute the merge,
    and every side's référents learn it is now in their hands."""
    proposal = _merge_proposal(proposal_pk)
    if proposal is None:
        return
    data = _merge_data(proposal)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A merge of communities waits for you")
        ready_title = _("Every community agreed to merge into %(kept)s") % {
            "kept": proposal.kept.name
        }
    _publish(
        "community.merge_agreed",
        audience=_staff(),
        title=title,
        url=reverse("communities_admin_merges"),
        data=data,
        dedupe_key=f"community.merge_agreed:{proposal.pk}",
    )
    for side in proposal.ordered_sides:
        if side.community is None or side.community_id is None:
            continue
        _publish(
            "community.merge_ready",
            audience=_referents_of(side.community_id),
            title=ready_title,
            url=reverse("communities:merge", args=[side.community_id]),
            commune=proposal.kept.commune,
            data={**data, "community": side.community.name},
            dedupe_key=f"community.merge_ready:{proposal.pk}:{side.community_id}",
        )


# --- the invitation: transactional ----------------------------------------------------------


def invitation(invitation_pk: int, *, recipient: str) -> bool:
    """Send a member's invitation (CTY-10) at once; False when the provider failed.

    Fail-safe: an outage of the mail or SMS provider never fails the request that saved
    the invitation. The address is not kept, so nothing can be retried later: the
    invitation is deleted instead, so that it counts neither against the sender's daily
    limit nor as "already invited today", and the sender may invite again.
    """
    invitation = (
        Invitation.objects.select_related("community", "community__commune", "sender")
        .filter(pk=invitation_pk)
        .first()
    )
    if invitation is None:
        return False
    # The invited person is not a member: they see the sender as the matrix shows
    # a member to a neighbour of the same community (name or pseudonym).
    sender_name = build_card(invitation.sender, frozenset({Relation.SAME_COMMUNITY})).display_name
    context = {
        "community": invitation.community,
        "commune": invitation.community.commune,
        "sender_name": sender_name,
        "url": invitation_url(invitation),
    }
    try:
        if invitation.channel == Invitation.Channel.EMAIL:
            _send_invitation_email(invitation, context, recipient)
        else:
            with translation.override(settings.LANGUAGE_CODE):
                body = " ".join(render_to_string("communities/sms/invitation.txt", context).split())
            if not send_sms(recipient, body, purpose=SmsPurpose.INVITATION):
                raise RuntimeError("the SMS provider refused the message")
    except Exception as exc:  # the provider's outage must not fail the request
        # Never the address in the log: only the invitation's id and the error's type.
        logger.warning(
            "invitation %s (%s) not sent: %s", invitation.pk, invitation.channel, type(exc).__name__
        )
        Invitation.objects.filter(pk=invitation.pk).delete()
        return False
    return True


def _send_invitation_email(invitation: Invitation, context: dict, recipient: str) -> None:
    commune = invitation.community.commune
    context = {
        **context,
        "commune_name": commune.name,
        "logo_url": logo_url(commune),
        "platform_name": settings.WAGTAIL_SITE_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("communities/emails/invitation_subject.txt", context)
        text = render_to_string("communities/emails/invitation.txt", context)
        html = render_to_string("communities/emails/invitation.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()),
        text,
        sender_for(commune),
        [recipient],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    message.send()
