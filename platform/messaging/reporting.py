"""What moderation reads of private messages (ReportableKind "messaging.message").

The people in a thread see its messages; its recipients report one (moderation refuses
anyone's report of their own content). A town hall's thread goes to the platform's
moderators too: the town hall is a party to it, not its judge.
"""

from __future__ import annotations

from django.urls import reverse

from messaging.models import Participant


def can_see(user, message) -> bool:
    return Participant.objects.filter(thread_id=message.thread_id, user=user).exists()


def link(message) -> str:
    return f"{reverse('messaging:thread', args=[message.thread_id])}#message-{message.pk}"
