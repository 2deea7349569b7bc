"""What an app above conversations says about its own commentable content.

``conversations.services.comment_create`` and ``comment_edit`` take ``rules``: without
them the target is a news page and the news rules apply (the commune's validated
residents, the town hall's answers, ``comments.*`` notifications to the commune's staff).
With them the higher app (the gazette, discussion groups) decides who writes, whether
the town hall may sign there, whom to tell and how its refusals read, so the town hall
is never told of, nor answers in, content that is not its own (a community's gazette).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Model
from django.utils.translation import gettext_lazy

from core.types import StrOrPromise

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune
    from conversations.models import Comment


#: The comments' wording, the news' and the default of other targets.
EMPTY_BODY = gettext_lazy("Write your comment.")
CANNOT_ANSWER = gettext_lazy("This comment cannot be answered here.")
EDIT_REFUSAL = gettext_lazy("Only its author can change this comment, while comments are open.")


@dataclass(frozen=True)
class TargetRules:
    #: Whether ``target`` is content of ``commune`` (comments carry the commune).
    belongs_to: Callable[[Model, Commune], bool]
    #: Whether ``user`` may write (and edit their own comments) on ``target`` now.
    can_comment: Callable[[User, Model, Commune], bool]
    #: The French refusal for someone who may not.
    refusal: StrOrPromise
    #: Called in the transaction once a comment is written (publishes notifications, and
    #: any bookkeeping of the target such as a group's last post).
    notify: Callable[[Comment, Model], None]
    #: The refusal that depends on the person and the target (a closed group says so, a
    #: non-member is told it is for members); ``None``: always ``refusal``.
    refusal_for: Callable[[User, Model, Commune], StrOrPromise] | None = None
    #: Whether ``user`` may sign "Mairie de …" on ``target``; ``None``: nobody may.
    can_answer_as_town_hall: Callable[[User, Model, Commune], bool] | None = None
    #: The wording of the body and reply errors ("message" in a group, "comment" elsewhere).
    empty_body: StrOrPromise = EMPTY_BODY
    cannot_answer: StrOrPromise = CANNOT_ANSWER
    edit_refusal: StrOrPromise = EDIT_REFUSAL
