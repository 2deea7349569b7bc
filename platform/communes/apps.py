from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunesConfig(AppConfig):
    name = "communes"
    label = "communes"
    verbose_name = _("Communes and hosting")

    # The commune's notification kinds (commune.*) are declared by notifications,
    # which turns communes.signals into events (notifications.communes_events).

    def ready(self):
        # Lazy: wagtail.signals and communes.signals load models, which apps.py may not.
        from wagtail.signals import page_published

        from communes.signals import on_page_published

        page_published.connect(on_page_published, dispatch_uid="communes.news_published")
