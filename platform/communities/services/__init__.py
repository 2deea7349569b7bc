"""Writes on communities: every rule of CTY-1…CTY-12 lives here, one module per kind.

* ``community``: creation, boundary, area cap, validation mode, name, showcase page;
* ``membership``: asking to join, deciding, withdrawing, leaving;
* ``referents``: the référent role; ``exclusions``; ``invitations``; ``merges``;
* ``accounts``: what closing an account or moving home does to a membership;
* ``_common``: what several of them share (locking, rows, history, cleaning).

Site views, API views, the Wagtail admin and tasks call these functions and nothing
else, as ``communities.services.<function>``: this package re-exports them. Each one
that changes membership or roles locks the community row first, so two référents
acting at once cannot break an invariant (a community with members always keeps a
référent, CTY-7). Who may do what is asked of ``communities.selectors``'s
``can_<verb>`` rules, which pages and the API ask too.
"""

from communities.services._common import NAME_MAX_LENGTH, community_delete, community_deleted
from communities.services.accounts import (
    check_home_inside_community,
    on_account_closed,
    personal_data,
)
from communities.services.community import (
    community_create,
    community_rename,
    community_set_area_cap,
    community_set_boundary,
    community_set_validation_mode,
    community_update_showcase,
    create_refusal,
    showcase_page_sync,
)
from communities.services.exclusions import (
    exclusion_by_moderation,
    exclusion_decide,
    exclusion_lift,
    exclusion_request,
)
from communities.services.invitations import invitation_send
from communities.services.membership import (
    join_refusal,
    membership_decide,
    membership_leave,
    membership_overturn,
    membership_request,
    membership_withdraw,
)
from communities.services.merges import (
    community_merged,
    merge_agree,
    merge_cancel,
    merge_execute,
    merge_propose,
)
from communities.services.referents import (
    referent_give_up,
    referent_grant,
    referent_remove,
    referent_transfer,
)

__all__ = [
    "NAME_MAX_LENGTH",
    "check_home_inside_community",
    "community_create",
    "community_delete",
    "community_deleted",
    "community_merged",
    "community_rename",
    "community_set_area_cap",
    "community_set_boundary",
    "community_set_validation_mode",
    "community_update_showcase",
    "create_refusal",
    "exclusion_by_moderation",
    "exclusion_decide",
    "exclusion_lift",
    "exclusion_request",
    "invitation_send",
    "join_refusal",
    "membership_decide",
    "membership_leave",
    "membership_overturn",
    "membership_request",
    "membership_withdraw",
    "merge_agree",
    "merge_cancel",
    "merge_execute",
    "merge_propose",
    "on_account_closed",
    "personal_data",
    "referent_give_up",
    "referent_grant",
    "referent_remove",
    "referent_transfer",
    "showcase_page_sync",
]
