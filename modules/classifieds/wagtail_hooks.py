from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter


@hooks.register("register_log_actions")
def register_classified_actions(actions):
    @actions.register_action("classifieds.close")
    class ClassifiedClosed(LogFormatter):
        label = _("Classified closed by its author")
