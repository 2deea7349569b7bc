"""What an app above conversations says about its own commentable content (the gazette).

``conversations.services.comment_create`` and ``comment_edit`` take ``rules``: without
them the target is a news page and the news rules apply (the commune's validated
residents, the town hall's answers, ``comments.*`` notifications to the commune's staff).
With them the higher app decides who writes and whom to tell, so the town hall is never
told of, nor answers in, content that is not its own (a community's gazette).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Model

from core.types import StrOrPromise

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune
    from conversations.models import Comment


@dataclass(frozen=True)
class TargetRules:
    #: Whether ``target`` is content of ``commune`` (comments carry the commune).
    belongs_to: Callable[[Model, Commune], bool]
    #: Whether ``user`` may write (and edit their own comments) on ``target`` now.
    can_comment: Callable[[User, Model, Commune], bool]
    #: The French refusal for someone who may not.
    refusal: StrOrPromise
    #: Called in the transaction once a comment is written (publishes notifications).
    notify: Callable[[Comment, Model], None]
