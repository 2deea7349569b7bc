from django.utils.translation import gettext_lazy as _

from core.modules import PlatformModule


class GroupsConfig(PlatformModule):
    """Discussion groups a town hall opens to its residents (CNT-4)."""

    default = True
    name = "modules.groups"
    label = "groups"
    verbose_name = _("Discussion groups")

    module_label = "groups"
    description = _("The town hall opens discussion groups; validated residents post and reply.")
    default_enabled = True
    url_prefix = "groupes"
