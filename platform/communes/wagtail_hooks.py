from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter


@hooks.register("register_log_actions")
def register_module_switch_actions(actions):
    @actions.register_action("communes.module_on")
    class ModuleOn(LogFormatter):
        label = _("Module switched on")

        def format_message(self, log_entry):
            return _("Module '%(module)s' switched on") % {"module": log_entry.data.get("module")}

    @actions.register_action("communes.module_off")
    class ModuleOff(LogFormatter):
        label = _("Module switched off")

        def format_message(self, log_entry):
            return _("Module '%(module)s' switched off") % {"module": log_entry.data.get("module")}
