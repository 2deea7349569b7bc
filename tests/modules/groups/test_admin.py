"""The town hall's admin of groups (CNT-4): create, pin, close, archive; decide requests."""

from __future__ import annotations

import pytest
from django.test import Client

from modules.groups.models import Group, GroupMember
from modules.groups.services import group_join
from notifications.models import Notification
from tests.modules.groups.conftest import make_group
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


def admin_client(user, host="testserver"):
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def test_staff_create_a_group_for_their_commune(commune, other_commune, staff):
    site = admin_client(staff)
    form = site.get("/admin/groups/new/")
    assert form.status_code == 200
    assert "Cocody" not in form.content.decode()
    response = site.post(
        "/admin/groups/new/",
        {
            "commune": commune.pk,
            "title": "Jardins",
            "description": "Les parcelles.",
            "access": "on_request",
            "pinned": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group = Group.objects.get()
    assert (group.title, group.access, group.pinned, group.created_by) == (
        "Jardins",
        "on_request",
        True,
        staff,
    )
    refused = site.post(
        "/admin/groups/new/",
        {"commune": other_commune.pk, "title": "X", "description": "Y", "access": "open"},
    )
    assert refused.status_code == 200
    assert Group.objects.count() == 1


def test_staff_close_and_archive_a_group(commune, staff):
    group = make_group(commune, staff)
    site = admin_client(staff)
    response = site.post(
        f"/admin/groups/edit/{group.pk}/",
        {
            "title": group.title,
            "description": group.description,
            "access": "open",
            "closed": "on",
            "archived": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group.refresh_from_db()
    assert group.closed_at is not None and group.archived_at is not None
    assert site.get("/admin/groups/").status_code == 200


def test_another_commune_s_group_is_404_in_the_admin(commune, other_commune, staff):
    from tests.follows import root

    group = make_group(other_commune, root())
    assert admin_client(staff).get(f"/admin/groups/edit/{group.pk}/").status_code == 404


def test_staff_decide_a_request_and_the_resident_is_told(commune, staff, resident):
    group = make_group(commune, staff, access=Group.Access.ON_REQUEST)
    member = group_join(group=group, user=resident)
    site = admin_client(staff)
    listing = site.get("/admin/group_requests/")
    assert listing.status_code == 200
    assert "Marie" in listing.content.decode()
    assert resident.email not in listing.content.decode()
    response = site.post(f"/admin/group_requests/edit/{member.pk}/", {"decision": "accept"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert GroupMember.objects.get(pk=member.pk).status == "accepted"
    assert Notification.objects.filter(recipient=resident, event__kind="groups.membership").exists()


def test_staff_answer_as_the_town_hall_from_the_admin(commune, other_commune, staff, resident):
    from conversations.models import Comment
    from tests.follows import root
    from tests.modules.groups.conftest import write

    group = make_group(commune, staff)
    post = write(group, resident, body="Question d’une habitante")
    site = admin_client(staff)
    assert f"/admin/groups/{group.pk}/reply/" in site.get("/admin/groups/").content.decode()
    page = site.get(f"/admin/groups/{group.pk}/reply/")
    assert page.status_code == 200
    assert "Question d’une habitante" in page.content.decode()
    response = site.post(
        f"/admin/groups/{group.pk}/reply/", {"body": "La mairie répond.", "parent": post.pk}
    )
    assert response.status_code == 302
    answer = Comment.objects.get(parent=post)
    assert (answer.as_town_hall, answer.author, answer.signed_role) == (
        True,
        staff,
        "Élu du conseil municipal",
    )
    elsewhere = make_group(other_commune, root())
    assert site.get(f"/admin/groups/{elsewhere.pk}/reply/").status_code == 404
    empty = site.post(f"/admin/groups/{group.pk}/reply/", {"body": " "})
    assert empty.status_code == 200


def test_the_admin_menu_names_fit_the_sidebar(commune, staff):
    """Wagtail's sidebar cuts labels at about 18 characters: "Groupes de discus…" read badly."""
    html = admin_client(staff).get("/admin/").content.decode()
    # The sidebar's items are JSON in the page.
    assert '"label": "Groupes", "icon_name": "group"' in html
    assert '"label": "Demandes d\\u2019adh\\u00e9sion", "icon_name": "user"' in html
    assert "Demandes pour rejoindre" not in html
