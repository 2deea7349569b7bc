"""Contract pieces of messaging: the GDPR export (ACC-13) and account closure (ACC-12).

Closure: the messages stay (``author`` still points to the anonymised account, shown as
"Ancien membre" by the privacy matrix); the person leaves every thread (``left_at``), so
nobody waits for them nor is refused because of them. Their blocks are deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from messaging.models import Block, Message, Participant
from messaging.services import leave_all

if TYPE_CHECKING:
    from accounts.models import User


def personal_data(sender: object, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]] | None:
    """Every message ``user`` wrote, the threads they are in, and whom they block."""
    messages = list(
        Message.objects.filter(author=user).select_related("thread").order_by("created_at", "pk")
    )
    threads = list(
        Participant.objects.filter(user=user).select_related("thread").order_by("joined_at", "pk")
    )
    blocks = list(Block.objects.filter(blocker=user).order_by("created_at", "pk"))
    if not (messages or threads or blocks):
        return None
    return (
        "messaging",
        {
            "messages": [
                {
                    "id": message.pk,
                    "thread": message.thread_id,
                    "to_town_hall_of": message.thread.commune_id,
                    "as_town_hall": message.as_town_hall,
                    "body": message.body,
                    "created_at": message.created_at,
                    "hidden_at": message.hidden_at,
                }
                for message in messages
            ],
            "threads": [
                {
                    "thread": row.thread_id,
                    "subject": row.thread.subject,
                    "town_hall_of": row.thread.commune_id,
                    "joined_at": row.joined_at,
                    "last_read_at": row.last_read_at,
                    "left_at": row.left_at,
                }
                for row in threads
            ],
            "blocked_people": [
                {"user": block.blocked_id, "since": block.created_at} for block in blocks
            ],
        },
    )


def account_closed(sender: object, user_id: int, **kwargs: Any) -> None:
    leave_all(user_id=user_id)
    Block.objects.filter(blocker_id=user_id).delete()
