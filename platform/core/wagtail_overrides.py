"""Wagtail admin strings whose French translation in Wagtail's catalogue hedges the
gender ("Ajouter un(e) %(model_name)s", "Aucun(e)"): listed here so that `make messages`
keeps them in our catalogue, which Django reads before Wagtail's, with neutral French.
Viewsets of our own models get the right gender through ``core.admin_labels``."""

from django.utils.translation import gettext_noop

WAGTAIL_STRINGS = (
    gettext_noop("Add %(model_name)s"),
    gettext_noop("Add %(label)s"),
    gettext_noop("New: %(model_name)s"),
    gettext_noop("Create a new %(model_name)s"),
    gettext_noop("No %(model_name)s match your query."),
    gettext_noop("Choose another"),
    gettext_noop("None"),
)
