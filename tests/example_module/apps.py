from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask, PlatformModule, ReportableKind
from notifications.kinds import Frequency, NotificationKind, Rubric


class BookboxConfig(PlatformModule):
    default = True
    name = "tests.example_module"
    label = "bookbox"
    verbose_name = _("Book box")

    module_label = "bookbox"
    description = _("Residents say which books they left in the street's book box.")
    default_enabled = False
    url_prefix = "boite-a-livres"
    site_urls = "tests.example_module.urls"
    api_urls = "tests.example_module.api_urls"
    admin_viewsets = ("tests.example_module.admin.BookViewSet",)
    rubrics = (Rubric("bookbox", _("Book box"), frequency=Frequency.WEEKLY, push=False, order=95),)
    notification_kinds = (NotificationKind("bookbox.taken", "bookbox", _("Your book was taken")),)
    home_panels = ("tests.example_module.receivers.home_panel",)
    personal_data = "tests.example_module.receivers.personal_data"
    account_closure = None  # books stay; their author shows as a former member
    periodic_tasks = (
        PeriodicTask(
            func="tests.example_module.tasks.clear_old_books", minutes=60, name="bookbox: clear"
        ),
    )
    reportable_kinds = (
        ReportableKind(
            "bookbox.book",
            "bookbox.Book",
            commune="commune",
            label=_("Book"),
            excerpt="title",
            can_see="tests.example_module.selectors.can_see_book",
            town_hall=True,
        ),
    )
