from django.utils.translation import gettext_lazy as _

from core.modules import PlatformModule, ReportableKind
from notifications.kinds import Frequency, NotificationKind, Rubric


class GroupsConfig(PlatformModule):
    """Discussion groups a town hall opens to its residents (CNT-4).

    A module, not a core app: groups are a town hall's choice of tool (it opens them and
    runs them), unlike comments, the gazette and messages that the FAQ promises
    everywhere; a commune that does not run groups switches them off.
    """

    default = True
    name = "modules.groups"
    label = "groups"
    verbose_name = _("Discussion groups")

    module_label = "groups"
    description = _("The town hall opens discussion groups; validated residents post and reply.")
    default_enabled = True
    url_prefix = "groupes"
    site_urls = "modules.groups.urls"
    api_urls = "modules.groups.api_urls"
    admin_viewsets = (
        "modules.groups.admin.GroupViewSet",
        "modules.groups.admin.GroupMemberViewSet",
    )
    demo_data = "modules.groups.demo.load"
    rubrics = (
        Rubric(
            "groups",
            _("Discussion groups"),
            frequency=Frequency.DAILY,
            push=False,
            order=70,
        ),
    )
    notification_kinds = (
        NotificationKind("groups.post", "groups", _("New message in a group")),
        NotificationKind("groups.membership", "groups", _("Decision on joining a group")),
        NotificationKind("groups.join_request", "requests", _("Request to join a group")),
    )
    personal_data = "modules.groups.receivers.personal_data"
    # Posts stay under "Ancien membre" (conversations' comments keep their author row);
    # memberships of a closed account are removed: a former member follows nothing.
    account_closure = "modules.groups.receivers.close"
    # Posts and replies are conversations' comments ("conversations.comment", reportable
    # already); a group itself (its title and description) is reportable too.
    reportable_kinds = (
        ReportableKind(
            "groups.group",
            "groups.Group",
            commune="commune",
            label=_("discussion group"),
            author="created_by",
            excerpt="description",
            can_see="modules.groups.reporting.can_see",
            town_hall=True,
            link="modules.groups.reporting.link",
        ),
    )

    def ready(self):
        super().ready()
        from wagtail.permissions import register_permission_policy

        from modules.groups.models import Group, GroupMember
        from modules.groups.permissions import GroupMemberPermissionPolicy, GroupPermissionPolicy

        register_permission_policy(Group, GroupPermissionPolicy(Group))
        register_permission_policy(GroupMember, GroupMemberPermissionPolicy(GroupMember))

        from modules.groups import reporting

        reporting.register()
