"""Contract pieces of the support desk: the GDPR export (ACC-13) and account closure (ACC-12).

Export: the person's requests with their topic, status, the context sent with them and
every message (the team's answers signed "the team", never a staff member's name).
Closure: the requests stay for the team's history, but the copied name and e-mail
address, the context (which names the person and their situation) and the client
address are erased; the person is then "Ancien membre" like everywhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from moderation.models import SupportMessage, SupportRequest

if TYPE_CHECKING:
    from accounts.models import User


def personal_data(sender: object, user: User, **kwargs: Any) -> tuple[str, list[dict]] | None:
    requests = list(
        SupportRequest.objects.filter(requester=user)
        .select_related("commune")
        .prefetch_related(
            Prefetch("messages", queryset=SupportMessage.objects.order_by("created_at", "pk"))
        )
        .order_by("created_at", "pk")
    )
    if not requests:
        return None
    return (
        "support",
        [
            {
                "id": request.pk,
                "topic": request.topic,
                "subject": request.subject,
                "status": request.status,
                "commune": request.commune.slug if request.commune else None,
                "name": request.name,
                "email": request.email,
                "context": request.context,
                "created_at": request.created_at,
                "messages": [
                    {
                        "from_team": message.from_staff,
                        "body": message.body,
                        "created_at": message.created_at,
                    }
                    for message in request.messages.all()
                ],
            }
            for request in requests
        ],
    )


def account_closed(sender: object, user_id: int, **kwargs: Any) -> None:
    SupportRequest.objects.filter(requester_id=user_id).update(
        name="", email="", context=[], client_address=None
    )
