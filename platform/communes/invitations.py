"""Invitations to a town-hall role for a person who has no account yet (issue 20, COM-2).

The staff page (``communes.staff_admin``) grants a role to an existing account. For an
address without one, those who manage the commune's staff send an invitation: a
``StaffInvitation`` row (the token's SHA-256 digest, never the token), valid 14 days,
and an e-mail with a link to ``/equipe/invitation/<token>/``. The person registers and
verifies their address, then opens the link signed in: the role is granted through
``communes.services.staff_role_grant`` (``staff_invitation_accept``), only to an
account whose verified address is the invited one. Writes: ``communes.services``.

The model is ``communes.models.StaffInvitation``; this module holds its tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

INVITATION_VALIDITY = timedelta(days=14)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token and its digest (only the digest is stored)."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)
