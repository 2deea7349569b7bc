"""Rows that data migrations create and a transactional test's flush removes."""

from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page


def ensure_initial_data() -> None:
    """Put back what migrations created and a transactional test's flush removed.

    The flush after a ``transaction=True`` test deletes the rows of data
    migrations (Wagtail's locale, root page and root collection) that
    ``commune_create`` needs; content types and permissions usually come back
    with the flush's post_migrate, not always.
    """
    if not ContentType.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    ContentType.objects.clear_cache()  # the flush changed the ids
    if not Locale.objects.exists():
        Locale.objects.create(language_code=get_supported_content_language_variant("fr"))
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(instance=Page(title="Root", slug="root"))
    if not Collection.objects.filter(depth=1).exists():
        Collection.add_root(name="Root")
    _platform_staff_permissions()


def _platform_staff_permissions() -> None:
    """The platform staff group and what migrations gave it: the admin's access
    (``communes`` 0004) and managing communities (``communities`` 0002). A flush empties
    the group's permissions; a test logging platform staff in to the admin needs them."""
    from django.contrib.auth.models import Permission

    from accounts.staff import platform_staff_group

    wanted = Permission.objects.filter(
        content_type__app_label__in=("wagtailadmin", "communities"),
        codename__in=("access_admin", "manage_communities"),
    )
    platform_staff_group().permissions.add(*wanted)
