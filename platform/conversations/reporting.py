"""What moderation (CNT-5) needs to know about comments, whatever they are attached to.

A comment hangs on a target: a news page (this app's own rules), a gazette post, a
discussion group. The apps above register their target model here in their ``ready()``
(:func:`register_target`): who can see the comments on one of their targets, whether the
town hall moderates them, and where a comment shows. ``conversations.comment``'s
:class:`core.modules.ReportableKind` points to the functions below, which dispatch on the
comment's target type: conversations never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Model

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune
    from conversations.models import Comment


@dataclass(frozen=True)
class ReportingRules:
    #: Whether ``user`` sees the comments on ``target`` of ``commune`` (the comment's).
    can_see: Callable[[User, Model, Commune], bool]
    #: Whether the commune's staff moderate comments there (their own spaces).
    town_hall: bool
    #: The path of ``comment`` on its commune's site.
    link: Callable[[Comment, Model], str]


_RULES: dict[str, ReportingRules] = {}


def register_target(model_label: str, rules: ReportingRules) -> None:
    """An app above declares its commentable model (``"gazette.post"``)."""
    _RULES[model_label.lower()] = rules


def _news_can_see(user: User, target: Model, commune: Commune) -> bool:
    from conversations.selectors import belongs_to, can_see_comments

    return (
        bool(getattr(target, "live", False))
        and belongs_to(target, commune)
        and can_see_comments(user, commune)
    )


def _news_link(comment: Comment, target: Model) -> str:
    from conversations.notify import comment_path

    return comment_path(comment, target)


NEWS_RULES = ReportingRules(can_see=_news_can_see, town_hall=True, link=_news_link)


def _rules_and_target(comment: Comment) -> tuple[ReportingRules, Model | None]:
    model = comment.target_type.model_class()
    label = model._meta.label_lower if model is not None else ""
    rules = _RULES.get(label, NEWS_RULES)
    target = comment.target
    if target is not None and hasattr(target, "specific"):
        target = target.specific
    return rules, target


def can_see(user: User, comment: Comment) -> bool:
    rules, target = _rules_and_target(comment)
    return target is not None and rules.can_see(user, target, comment.commune)


def town_hall_moderates(comment: Comment) -> bool:
    rules, _target = _rules_and_target(comment)
    return rules.town_hall


def link(comment: Comment) -> str:
    rules, target = _rules_and_target(comment)
    return rules.link(comment, target) if target is not None else ""
