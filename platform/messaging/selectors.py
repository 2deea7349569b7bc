"""Reads of private messages (CNT-3, TWN-3), and the rules of who reaches whom.

* Between people: a member of a community reaches the other members of their community
  and the members of the communities twinned with it
  (``communities.links.linked_communities(purpose="twinned")``, ``None`` when the
  twinning module is off). Pending members reach nobody.
* With a town hall: a validated resident writes to the town hall of a commune they
  follow; the commune's staff who publish (``publish_content``) read its shared inbox,
  answer signed "Mairie de …" with their role, and open a thread with a validated
  resident of their commune.
* With a référent (COM-2): the staff of a partner commune holding ``contact_referents``
  (police, mayor; the hosting partner's staff and superusers) open a thread, in their own
  name with their role, with a référent of a community of that commune; both write in it
  while the person is still référent there and the staff member still holds the permission.
* Reading a thread: its participants (even after they left their community: the past
  stays readable); a thread with a town hall, the staff in scope too. Anyone else gets
  Http404, exactly as for a thread that does not exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import Commune, Follow, StaffRole
from communes.roles import CONTACT_REFERENTS, PUBLISH_CONTENT
from communes.selectors import commune_permission, communes_with_permission
from communities.links import linked_communities
from communities.models import Community, Membership
from communities.selectors import referents_in_commune
from conversations.selectors import staff_role_label, town_hall_name
from core.access import is_open_account, open_accounts
from core.admin_scope import CommuneScope
from core.ids import positive_id
from messaging.models import Block, Message, Participant, Thread
from notifications.selectors import notifications_of

if TYPE_CHECKING:
    from accounts.models import User

__all__ = ["Commune", "is_open_account", "staff_role_label", "town_hall_name"]

SIGNATURE_MAX_LENGTH = 80  # Message.signed_role


# --- who reaches whom ----------------------------------------------------------------


def reachable_communities(user: User) -> QuerySet[Any] | None:
    """Ids of the communities whose members ``user`` may write to, or None (nobody)."""
    if not is_open_account(user):
        return None
    membership = Membership.objects.members().filter(user=user).select_related("community").first()
    if membership is None:
        return None
    community = membership.community
    ids = Q(pk=community.pk)
    linked = linked_communities(community, purpose="twinned")
    if linked is not None:
        ids |= Q(pk__in=linked)
    return Community.objects.filter(ids).values("pk")


def reachable_people(user: User) -> QuerySet[User]:
    """Open accounts ``user`` may write to (their community and its twinned communities)."""
    users: QuerySet[User] = get_user_model().objects.all()
    communities = reachable_communities(user)
    if communities is None:
        return users.none()
    members = Membership.objects.members().filter(community__in=communities).values("user_id")
    return open_accounts(users.filter(pk__in=members).exclude(pk=user.pk))


def search_recipients(user: User, query: str, *, limit: int = 20) -> QuerySet[User]:
    """Reachable people whose pseudonym (or name, for those without one) contains ``query``.

    The pseudonym replaces the name for community members and twinned members (the
    privacy matrix): a person with a pseudonym is never found by their real name.
    """
    query = (query or "").strip()
    people = reachable_people(user)
    if not query:
        return people.none()
    matches = Q(pseudonym__icontains=query) | (
        Q(pseudonym="")
        & (
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(
                first_name__icontains=query.split(" ")[0], last_name__icontains=query.split(" ")[-1]
            )
        )
    )
    return people.filter(matches).order_by("last_name", "first_name", "pk")[:limit]


def blocked_ids(user: User) -> set[int]:
    return set(Block.objects.filter(blocker=user).values_list("blocked_id", flat=True))


def blockers_of(author_id: int) -> QuerySet[Any]:
    return Block.objects.filter(blocked_id=author_id).values("blocker_id")


def is_blocked_between(a_id: int, b_id: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def blocks_of(user: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).order_by("-created_at", "-pk")


# --- town halls ----------------------------------------------------------------------


def can_write_to_town_hall(user: User, commune: Commune) -> bool:
    """Validated residents of ``commune`` (ACC-10), with an open account."""
    return (
        is_open_account(user)
        and Follow.objects.validated().filter(user=user, commune=commune).exists()
    )


def answers_for_town_hall(user: User, commune: Commune | None) -> bool:
    """Staff who publish for the town hall read its inbox and answer (like comments)."""
    return commune is not None and commune_permission(user, commune, PUBLISH_CONTENT)


def communes_answered_by(user: User) -> QuerySet[Commune]:
    return communes_with_permission(user, PUBLISH_CONTENT)


STAFF_SCOPE = CommuneScope(staff_communes=communes_answered_by)


def residents_of(commune: Commune) -> QuerySet[User]:
    """Validated residents with an open account (whom the staff may write to)."""
    followers = Follow.objects.validated().filter(commune=commune).values("user_id")
    users: QuerySet[User] = get_user_model().objects.filter(pk__in=followers)
    return open_accounts(users)


def search_residents(commune: Commune, query: str, *, limit: int = 20) -> QuerySet[User]:
    """Validated residents of ``commune`` by name (the staff see residents' names, PRIV)."""
    query = (query or "").strip()
    if not query:
        return residents_of(commune).none()
    words = query.split()
    condition = Q()
    for word in words:
        condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return residents_of(commune).filter(condition).order_by("last_name", "first_name", "pk")[:limit]


def town_hall_threads(*, user: User, commune: Commune | None = None) -> QuerySet[Participant]:
    """The town-hall sides of the threads in the staff member's scope, newest first.

    Each row is the town hall's :class:`Participant` (shared read state), with its thread.
    """
    threads = STAFF_SCOPE.filter(Thread.objects.all(), user=user, commune=commune)
    return (
        Participant.objects.filter(user__isnull=True, thread__in=threads.values("pk"))
        .select_related("thread", "thread__commune")
        .order_by("-last_message_at", "-id")
    )


def access_town_hall_thread(
    user: User, pk: int | str, *, commune: Commune | None = None
) -> Participant:
    """The town hall's side of a thread in scope: 404 for another commune's thread."""
    pk = positive_id(pk)
    side = town_hall_threads(user=user, commune=commune).filter(thread_id=pk).first()
    if side is None:
        raise Http404
    return side


# --- the partner town hall's staff and the référents (COM-2) ---------------------------


def can_contact_referents(user: User, commune: Commune | None) -> bool:
    """Holders of ``contact_referents`` on a *partner* commune (police, mayor; the hosting
    partner's staff and superusers hold every commune permission)."""
    return (
        commune is not None
        and commune.is_partner
        and commune_permission(user, commune, CONTACT_REFERENTS)
    )


def communes_contacting_referents(user: User) -> QuerySet[Commune]:
    """The partner communes whose référents ``user`` may write to."""
    return communes_with_permission(user, CONTACT_REFERENTS).filter(is_partner=True)


def referents_of_commune(commune: Commune) -> QuerySet[User]:
    """The référents of the communities of ``commune`` (open accounts), by name."""
    return referents_in_commune(commune).order_by("last_name", "first_name", "pk")


def referent_choices(commune: Commune) -> list[tuple[User, str]]:
    """Each référent of ``commune``'s communities with "Name (Community, …)", by name: one
    query (a partner town hall's staff see the référents' names, PRIV)."""
    rows = (
        Membership.objects.referents()
        .filter(community__commune=commune, user__in=referents_in_commune(commune))
        .select_related("user", "community")
        .order_by("user__last_name", "user__first_name", "user_id", "community__name")
    )
    people: dict[int, tuple[User, list[str]]] = {}
    for membership in rows:
        people.setdefault(membership.user_id, (membership.user, []))[1].append(
            membership.community.name
        )
    return [
        (person, f"{person.get_full_name()} ({', '.join(names)})")
        for person, names in people.values()
    ]


def is_referent_of_commune(user: User | None, commune: Commune) -> bool:
    return user is not None and referents_in_commune(commune).filter(pk=user.pk).exists()


def referent_contact_label(user: User, commune: Commune) -> str:
    """How a staff member writing to a référent is shown: "Police – Saint-Malo" for the
    police, "Mairie de Saint-Malo · Maire" for the town hall (their highest role)."""
    roles = set(StaffRole.objects.filter(commune=commune, user=user).values_list("role", flat=True))
    if roles == {StaffRole.Role.POLICE}:
        label = _("Police – %(commune)s") % {"commune": commune.name}
    else:
        label = f"{town_hall_name(commune)} · {staff_role_label(user, commune)}"
    return label[:SIGNATURE_MAX_LENGTH]


# --- a person's inbox ----------------------------------------------------------------


def unread_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}last_read_at__isnull": True}) | Q(
        **{f"{prefix}last_message_at__gt": F(f"{prefix}last_read_at")}
    )


def inbox(user: User) -> QuerySet[Participant]:
    """``user``'s threads (their participant rows), the latest activity first."""
    rows: QuerySet[Participant] = Participant.objects.filter(user=user)
    return rows.select_related("thread", "thread__commune").order_by("-last_message_at", "-id")


def unread_count(user: Any) -> int:
    """Threads with a message ``user`` has not read (the header's and the API's count)."""
    if not is_open_account(user):
        return 0
    return Participant.objects.filter(unread_q(), user=user).count()


def unread_for_town_halls(user: User) -> list[tuple[Commune, int]]:
    """For staff: each commune they answer for with its count of unread threads."""
    communes = list(communes_answered_by(user).order_by("name"))
    if not communes:
        return []
    counts = dict(
        Participant.objects.filter(
            unread_q(), user__isnull=True, thread__commune__in=[c.pk for c in communes]
        )
        .values_list("thread__commune")
        .annotate(n=Count("id"))
    )
    return [(commune, counts.get(commune.pk, 0)) for commune in communes]


def access_thread(user: User, pk: int | str) -> Participant:
    """``user``'s participant row of thread ``pk``: Http404 for a thread not theirs."""
    pk = positive_id(pk)
    if not is_open_account(user):
        raise Http404
    row = (
        Participant.objects.filter(user=user, thread_id=pk)
        .select_related("thread", "thread__commune")
        .first()
    )
    if row is None:
        raise Http404
    return row


def participants_of(thread: Thread) -> QuerySet[Participant]:
    """Every side of ``thread``: people in the order they joined, the town hall first."""
    rows: QuerySet[Participant] = Participant.objects.filter(thread=thread)
    return rows.order_by(F("user_id").asc(nulls_first=True), "joined_at", "pk")


def messages_of(thread: Thread, *, include_hidden: bool = False) -> QuerySet[Message]:
    """The listed messages of ``thread``, newest first (the pagination's order).
    ``include_hidden``: the site's thread keeps its shape, a message moderation hid
    showing as "Contenu masqué par la modération" (its text only to its author)."""
    messages = Message.objects.filter(thread=thread)
    if not include_hidden:
        messages = messages.filter(hidden_at__isnull=True)
    return messages.order_by("-created_at", "-id")


def others_active(thread: Thread, author: User | None) -> QuerySet[Participant]:
    rows = Participant.objects.filter(thread=thread, left_at__isnull=True, user__isnull=False)
    if author is not None:
        rows = rows.exclude(user=author)
    return rows


def annotate_blocked(messages: list[Message], viewer: User) -> None:
    """``from_blocked`` on each message whose author ``viewer`` blocked (shown folded)."""
    blocked = blocked_ids(viewer) if is_open_account(viewer) else set()
    for message in messages:
        message.from_blocked = message.author_id in blocked  # type: ignore[attr-defined]  # display attribute


def mark_new(messages: list[Message], *, viewer_id: int | None, since: datetime | None) -> None:
    for message in messages:
        message.is_new = bool(  # type: ignore[attr-defined]  # display attribute
            (since is None or message.created_at > since) and message.author_id != viewer_id
        )


def sent_since(user: User, *, hours: int = 1) -> QuerySet[Message]:
    return Message.objects.filter(
        author=user, created_at__gte=timezone.now() - timedelta(hours=hours)
    )


def threads_started_since(user: User, *, hours: int = 1) -> QuerySet[Thread]:
    return Thread.objects.filter(
        created_by=user, created_at__gte=timezone.now() - timedelta(hours=hours)
    )


def has_blocker_in(thread: Thread, author_id: int) -> QuerySet[Participant]:
    return Participant.objects.filter(thread=thread, user_id__in=blockers_of(author_id))


def may_block(user: User, person: User) -> bool:
    """People ``user`` reaches or shares a conversation with (never oneself)."""
    if person.pk == user.pk or not is_open_account(user):
        return False
    if reachable_people(user).filter(pk=person.pk).exists():
        return True
    mine = Participant.objects.filter(user=user).values("thread_id")
    return Participant.objects.filter(user=person, thread_id__in=mine).exists()


class _CountAll(Func):
    """``COUNT(*)`` as a plain expression: a one-row subquery, no GROUP BY (notifications
    have a composite primary key, so no column is named)."""

    template = "COUNT(*)"
    output_field = IntegerField()


def header_counts(user: Any) -> tuple[int, int]:
    """(unread notifications, unread conversations) for the site's header, in one query.

    The notifications' count is ``notifications.selectors.unread_count``'s queryset; the
    header shows both, so asking once keeps every page at the cost it had before messages.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return 0, 0
    notifications = (
        notifications_of(user)
        .filter(read_at__isnull=True)
        .order_by()
        .annotate(n=_CountAll())
        .values("n")[:1]
    )
    conversations = (
        Participant.objects.filter(unread_q(), user_id=user.pk)
        .order_by()
        .annotate(n=_CountAll())
        .values("n")[:1]
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread_notifications=Subquery(notifications, output_field=IntegerField()),
            unread_conversations=Subquery(conversations, output_field=IntegerField()),
        )
        .values_list("unread_notifications", "unread_conversations")
        .first()
    )
    if row is None:
        return 0, 0
    conversations_count = row[1] or 0 if is_open_account(user) else 0
    return row[0] or 0, conversations_count
