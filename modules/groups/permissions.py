"""Who may do what with groups in the Wagtail admin (CNT-4).

The town hall's staff who publish (``publish_content``) add and change the groups of
their communes and decide the requests to join, without a Django permission to grant.
Nobody deletes a group (archive it) nor a membership (refuse it); nobody adds a
membership in the admin (residents ask on the site or in the app).
"""

from __future__ import annotations

from core.admin_scope import ScopedPermissionPolicy
from modules.groups.selectors import MEMBER_SCOPE, STAFF_SCOPE


class GroupPermissionPolicy(ScopedPermissionPolicy):
    actions = frozenset({"view", "add", "change"})
    scope = STAFF_SCOPE


class GroupMemberPermissionPolicy(ScopedPermissionPolicy):
    actions = frozenset({"view", "change"})
    scope = MEMBER_SCOPE
