from django.utils.translation import gettext_lazy as _

from core.modules import CommunityLink, HistoryKind, PlatformModule
from notifications.kinds import NotificationKind
from privacy.relations import PrivacyRelation


class TwinningConfig(PlatformModule):
    default = True
    name = "modules.twinning"
    label = "twinning"
    verbose_name = _("Twinnings")

    module_label = "twinning"
    description = _(
        "Neighbouring communities twin: their members see each other and may write to "
        "each other; a partner town hall can twin all its communities at once."
    )
    default_enabled = True
    url_prefix = "jumelages"
    site_urls = "modules.twinning.urls"
    api_urls = "modules.twinning.api_urls"
    admin_viewsets = (
        "modules.twinning.admin.TwinningViewSet",
        "modules.twinning.admin_views.TownHallTwinningViewSet",
    )
    notification_kinds = (
        NotificationKind(
            "twinning.proposed", "community", _("A community proposes to twin with yours")
        ),
        NotificationKind("twinning.accepted", "community", _("A twinning was accepted")),
        NotificationKind("twinning.refused", "community", _("A twinning was declined")),
        NotificationKind("twinning.ended", "community", _("A twinning ended")),
        NotificationKind(
            "twinning.town_hall", "community", _("The town hall twinned the communities")
        ),
    )
    # Members of twinned communities see each other's pseudonym (or name), photo, id.
    privacy_relations = (
        PrivacyRelation(
            "twinned",
            expression="modules.twinning.privacy.twinned",
            reveals=frozenset({"name_or_pseudonym", "pseudonym", "photo", "id"}),
            rank=40,
        ),
    )
    history_kinds = (
        HistoryKind("twinned", _("Twinned")),
        HistoryKind("twinning_ended", _("Twinning ended")),
    )
    # Other modules reach twinned communities through communities.links (alerts do).
    community_links = (
        CommunityLink(purpose="twinned", communities="modules.twinning.selectors.linked_to"),
    )
    personal_data = "modules.twinning.services.personal_data"
    # Twinnings stay; who proposed or decided shows as a former member.
    account_closure = None
    community_merge = "modules.twinning.services.on_community_merged"

    def ready(self):
        super().ready()
        from wagtail.permissions import register_permission_policy

        from modules.twinning.admin import TwinningStaffPolicy
        from modules.twinning.models import Twinning

        # Before anything asks Wagtail for the model's policy (the admin viewset does).
        register_permission_policy(Twinning, TwinningStaffPolicy(Twinning))
