"""What moderation reads of polls ("polls.poll", declared in apps.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from modules.polls.permissions import can_manage_polls


def can_see(user, poll) -> bool:
    """A poll's question is the town hall's public word once it opened (the site shows it
    to anyone on the commune's host); before, only its staff who publish see it.
    Moderation's own rule hides what it hid from everyone but the author."""
    if poll.opens_at <= timezone.now():
        return True
    return can_manage_polls(user, poll.commune)


def link(poll) -> str:
    return reverse("polls:detail", args=[poll.pk])
