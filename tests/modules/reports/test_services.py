"""Writes on problem reports (modules/reports/services.py): reporting, following, the
staff's steps, merges, "is it fixed?", services' members and Open311 keys."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.models import ModelLogEntry

from communes.models import StaffRole
from core.abuse import RateLimited
from modules.reports import services
from modules.reports.models import Follower, Integrator, Photo, Report, Update
from modules.reports.selectors import can_handle, integrator_for_key, services_of
from tests.factories import UserFactory
from tests.follows import grant, validated
from tests.modules.reports.helpers import (
    DINAN_FAR,
    SAINT_MALO,
    jpeg,
    make_report,
    offset,
    with_centre,
)


def create(commune, author, category, **kwargs):
    kwargs.setdefault("title", "Un trou dans la chaussée")
    kwargs.setdefault("description", "Un trou profond devant le numéro 12.")
    if "address" not in kwargs and "latitude" not in kwargs:
        kwargs["latitude"], kwargs["longitude"] = SAINT_MALO
    if category is not None and category.questions.exists() and "answers" not in kwargs:
        kwargs["answers"] = {"danger": "oui"}
    return services.report_create(commune=commune, author=author, category=category, **kwargs)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- report_create ---------------------------------------------------------------------------


def test_a_resident_reports_a_problem_with_a_point(commune, resident, pothole):
    report = create(commune, resident, pothole, answers={"danger": "Oui"})

    assert report.status == Report.Status.NEW
    assert report.author == resident
    assert report.category == pothole
    assert (round(report.location.y, 4), round(report.location.x, 4)) == SAINT_MALO
    assert report.location_source == Report.Source.MAP
    assert report.answers == {"danger": "oui"}
    assert report.followers_count == 1
    assert list(Follower.objects.filter(report=report).values_list("user_id", flat=True)) == [
        resident.pk
    ]
    update = Update.objects.get(report=report)
    assert (update.kind, update.status, update.note, update.by_id) == ("status", "new", "", None)
    assert report.hidden_at is None


def test_the_category_is_given_by_pk_too(commune, resident, graffiti):
    report = services.report_create(
        commune=commune,
        author=resident,
        category=str(graffiti.pk),
        title="Tag sur la mairie",
        description="Un grand tag.",
        latitude=SAINT_MALO[0],
        longitude=SAINT_MALO[1],
        location_source="device",
    )
    assert report.category == graffiti
    assert report.location_source == Report.Source.DEVICE


def test_another_communes_or_a_retired_category_is_refused(
    commune, resident, graffiti, other_category
):
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, other_category)
    assert list(errors_of(excinfo)) == ["category"]
    graffiti.active = False
    graffiti.save()
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti)
    assert list(errors_of(excinfo)) == ["category"]
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("title", "description", "field"),
    [
        ("ab", "Un trou.", "title"),
        ("x" * 121, "Un trou.", "title"),
        ("Un trou", "   ", "description"),
        ("Un trou", "x" * 5001, "description"),
    ],
)
def test_title_and_description_lengths(commune, resident, graffiti, title, description, field):
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, title=title, description=description)
    assert list(errors_of(excinfo)) == [field]


def test_only_validated_residents_report(commune, newcomer, outsider, graffiti):
    for person in (newcomer, outsider):
        with pytest.raises(PermissionDenied):
            create(commune, person, graffiti)
    assert Report.objects.count() == 0


def test_a_point_outside_the_territory_is_refused(commune, resident, graffiti):
    with_centre(commune, radius_km=10)
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, latitude=DINAN_FAR[0], longitude=DINAN_FAR[1])
    assert list(errors_of(excinfo)) == ["location"]
    assert "Saint-Malo" in errors_of(excinfo)["location"][0]
    inside = create(commune, resident, graffiti, latitude=SAINT_MALO[0], longitude=SAINT_MALO[1])
    assert inside.pk


def test_coordinates_out_of_range_are_refused_by_field(commune, resident, graffiti):
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, latitude=95, longitude=-2)
    assert list(errors_of(excinfo)) == ["latitude"]


def test_no_location_at_all_is_refused(commune, resident, graffiti):
    with pytest.raises(ValidationError) as excinfo:
        services.report_create(
            commune=commune,
            author=resident,
            category=graffiti,
            title="Tag",
            description="Un tag.",
        )
    assert errors_of(excinfo) == {
        "location": ["Indiquez une adresse ou placez un point sur la carte."]
    }


def test_an_address_is_geocoded(commune, resident, graffiti, fake_geocoder):
    report = create(commune, resident, graffiti, address="12 rue de l'Église Saint-Malo")
    assert report.address == "12 Rue de l'Église 35400 Saint-Malo"
    assert report.location_source == Report.Source.ADDRESS
    assert (round(report.location.y, 6), round(report.location.x, 6)) == (48.649337, -2.025674)
    assert report.locate_pending is False


def test_an_address_not_found_or_outside_is_refused(commune, resident, graffiti, fake_geocoder):
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, address="Nulle part du tout")
    assert list(errors_of(excinfo)) == ["address"]
    with_centre(commune, radius_km=5)
    fake_geocoder.add("3 Place du Guesclin 22100 Dinan", DINAN_FAR[0], DINAN_FAR[1])
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, address="3 place du Guesclin Dinan")
    assert list(errors_of(excinfo)) == ["address"]
    assert Report.objects.count() == 0


def test_geocoder_down_keeps_the_address_to_locate_later(
    commune, resident, graffiti, fake_geocoder
):
    fake_geocoder.down()
    report = create(commune, resident, graffiti, address="12 rue de l'Église Saint-Malo")
    assert report.location is None
    assert report.locate_pending is True
    assert report.address == "12 rue de l'Église Saint-Malo"
    with pytest.raises(services.GeocodingUnavailable):
        services.locate(report)
    assert Report.objects.get(pk=report.pk).locate_pending is True

    fake_geocoder.recover()
    assert services.locate(report) is True
    report.refresh_from_db()
    assert report.locate_pending is False
    assert report.location_source == Report.Source.ADDRESS
    assert (round(report.location.y, 6), round(report.location.x, 6)) == (48.649337, -2.025674)
    assert services.locate(report) is False  # nothing pending any more


def test_a_pending_address_not_found_is_not_retried(commune, resident, graffiti, fake_geocoder):
    fake_geocoder.down()
    report = create(commune, resident, graffiti, address="Rue inconnue")
    fake_geocoder.recover()
    assert services.locate(report) is False
    report.refresh_from_db()
    assert (report.locate_pending, report.location) == (False, None)


def test_the_photos_gps_position_locates_it_and_is_gone_from_the_stored_file(
    commune, resident, graffiti
):
    from PIL import Image

    where = offset(SAINT_MALO, north_m=120)
    report = services.report_create(
        commune=commune,
        author=resident,
        category=graffiti,
        title="Tag sur le mur",
        description="Un tag.",
        photos=[jpeg(gps=where, size=(3000, 2000))],
    )
    assert report.location_source == Report.Source.PHOTO
    assert abs(report.location.y - where[0]) < 1e-5
    assert abs(report.location.x - where[1]) < 1e-5
    photo = Photo.objects.get(report=report)
    assert (photo.width, photo.height, photo.position) == (2048, 1365, 0)
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        exif = image.getexif()
        assert not exif.get_ifd(0x8825)
        assert 0x010F not in exif  # no EXIF left at all


def test_a_photos_position_outside_the_commune_is_refused(commune, resident, graffiti):
    with_centre(commune, radius_km=10)
    with pytest.raises(ValidationError) as excinfo:
        services.report_create(
            commune=commune,
            author=resident,
            category=graffiti,
            title="Tag sur le mur",
            description="Un tag.",
            photos=[jpeg(gps=DINAN_FAR)],
        )
    assert list(errors_of(excinfo)) == ["location"]


def test_a_point_wins_over_the_photos_position(commune, resident, graffiti):
    report = create(commune, resident, graffiti, photos=[jpeg(gps=offset(SAINT_MALO, east_m=500))])
    assert report.location_source == Report.Source.MAP
    assert (round(report.location.y, 4), round(report.location.x, 4)) == SAINT_MALO


def test_five_photos_are_kept_in_order_six_are_refused(commune, resident, graffiti):
    report = create(commune, resident, graffiti, photos=[jpeg(name=f"{n}.jpg") for n in range(5)])
    assert list(report.photos.values_list("position", flat=True)) == [0, 1, 2, 3, 4]
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, photos=[jpeg() for _ in range(6)])
    assert errors_of(excinfo) == {"photos": ["Envoyez 5 photos au plus."]}
    assert Report.objects.count() == 1


def test_a_huge_file_or_a_non_image_is_refused(commune, resident, graffiti):
    huge = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (40 * 1024 * 1024), "image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, photos=[huge])
    assert list(errors_of(excinfo)) == ["photos"]
    assert "10" in errors_of(excinfo)["photos"][0]
    text = SimpleUploadedFile("note.jpg", b"not an image at all", "image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, photos=[text])
    assert list(errors_of(excinfo)) == ["photos"]
    assert Report.objects.count() == 0 and Photo.objects.count() == 0


# --- answers -----------------------------------------------------------------------------------


def test_a_required_question_must_be_answered(commune, resident, pothole):
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, pothole, answers={})
    assert errors_of(excinfo) == {"answers": ["Répondez à la question « Est-ce dangereux ? »."]}


def test_a_list_answer_must_be_one_of_its_choices(commune, resident, pothole):
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, pothole, answers={"danger": "Peut-être"})
    assert list(errors_of(excinfo)) == ["answers"]
    assert "Est-ce dangereux ?" in errors_of(excinfo)["answers"][0]
    assert create(commune, resident, pothole, answers={"danger": "non"}).answers == {
        "danger": "non"
    }


def test_numbers_multiple_choices_and_unknown_answers(commune, resident, graffiti):
    from modules.reports.models import Question

    Question.objects.create(
        category=graffiti, code="surface", label="Surface (m²)", datatype="number", sort_order=0
    )
    Question.objects.create(
        category=graffiti,
        code="support",
        label="Sur quoi ?",
        datatype="multivaluelist",
        choices_text="Mur\nVitrine\nMobilier urbain",
        sort_order=1,
    )
    report = create(
        commune,
        resident,
        graffiti,
        answers={"surface": "2,5", "support": ["mur", "Vitrine"], "inconnue": "x"},
    )
    assert report.answers == {"surface": 2.5, "support": ["mur", "vitrine"]}
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, answers={"surface": "beaucoup"})
    assert errors_of(excinfo) == {"answers": ["La réponse à « Surface (m²) » doit être un nombre."]}
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, answers={"support": ["mur", "toit"]})
    assert list(errors_of(excinfo)) == ["answers"]
    with pytest.raises(ValidationError) as excinfo:
        create(commune, resident, graffiti, answers=["pas", "un", "dict"])
    assert list(errors_of(excinfo)) == ["answers"]


# --- abuse -------------------------------------------------------------------------------------


def test_the_eleventh_report_in_an_hour_is_refused(commune, resident, graffiti, real_limits):
    resident.date_joined = timezone.now() - timedelta(days=30)
    resident.save(update_fields=["date_joined"])
    for number in range(10):
        create(commune, resident, graffiti, description=f"Tag numéro {number} sur un mur.")
    with pytest.raises(RateLimited):
        create(commune, resident, graffiti, description="Encore un autre tag, le onzième.")
    assert Report.objects.filter(author=resident).count() == 10


def test_a_new_account_reports_three_an_hour(commune, resident, graffiti, real_limits):
    resident.date_joined = timezone.now()
    resident.save(update_fields=["date_joined"])
    for number in range(3):
        create(commune, resident, graffiti, description=f"Tag numéro {number} sur un mur.")
    with pytest.raises(RateLimited):
        create(commune, resident, graffiti, description="Un quatrième tag.")


def test_an_open311_report_has_no_author_nor_follower(commune, graffiti, mayor):
    integrator, _key = services.integrator_create(commune=commune, name="Appli Ville", by=mayor)
    report = services.report_create(
        commune=commune,
        category=graffiti,
        title="Tag",
        description="Un tag.",
        latitude=SAINT_MALO[0],
        longitude=SAINT_MALO[1],
        integrator=integrator,
        contact={"email": "jean@example.org", "first_name": "Jean"},
    )
    assert (report.author, report.integrator, report.followers_count) == (None, integrator, 0)
    assert report.contact == {"email": "jean@example.org", "first_name": "Jean"}
    assert not Follower.objects.filter(report=report).exists()


def test_a_revoked_or_other_communes_key_writes_nothing(commune, other_commune, graffiti, mayor):
    integrator, _key = services.integrator_create(commune=commune, name="Appli Ville", by=mayor)
    other = Integrator.objects.create(
        commune=other_commune, name="Autre", key_prefix="o311_x", key_digest="x" * 64
    )
    services.integrator_revoke(integrator=integrator, by=mayor)
    for key_holder in (integrator, other):
        with pytest.raises(PermissionDenied):
            services.report_create(
                commune=commune,
                category=graffiti,
                title="Tag",
                description="Un tag.",
                latitude=SAINT_MALO[0],
                longitude=SAINT_MALO[1],
                integrator=key_holder,
            )


# --- follow ------------------------------------------------------------------------------------


def test_me_too_counts_once(commune, resident, neighbour, graffiti):
    report = make_report(commune, resident, graffiti)
    assert services.follow(user=neighbour, report=report) is True
    assert services.follow(user=neighbour, report=report) is False
    report.refresh_from_db()
    assert report.followers_count == 2
    assert services.unfollow(user=neighbour, report=report) is True
    assert services.unfollow(user=neighbour, report=report) is False
    report.refresh_from_db()
    assert report.followers_count == 1


def test_a_closed_report_cannot_be_followed(commune, resident, neighbour, graffiti):
    report = make_report(commune, resident, graffiti, status=Report.Status.RESOLVED)
    with pytest.raises(ValidationError) as excinfo:
        services.follow(user=neighbour, report=report)
    assert list(errors_of(excinfo)) == ["report"]


def test_outsiders_and_pending_residents_cannot_follow(
    commune, resident, outsider, newcomer, graffiti
):
    report = make_report(commune, resident, graffiti)
    for person in (outsider, newcomer):
        with pytest.raises(PermissionDenied):
            services.follow(user=person, report=report)
    assert Follower.objects.filter(report=report).count() == 1


# --- status ------------------------------------------------------------------------------------


def test_status_steps_and_their_timestamps(commune, resident, pothole, roads_agent):
    report = make_report(commune, resident, pothole)
    t0 = report.created_at
    ack = services.status_set(
        report=report,
        by=roads_agent,
        status="acknowledged",
        note="Vu, merci.",
        now=t0 + timedelta(hours=3),
    )
    assert (ack.kind, ack.status, ack.previous_status, ack.note) == (
        "status",
        "acknowledged",
        "new",
        "Vu, merci.",
    )
    assert ack.public_by == "Voirie" and ack.by == roads_agent
    services.status_set(
        report=report, by=roads_agent, status="in_progress", now=t0 + timedelta(hours=5)
    )
    services.status_set(
        report=report, by=roads_agent, status="resolved", now=t0 + timedelta(hours=30)
    )
    report.refresh_from_db()
    assert report.status == "resolved"
    assert report.acknowledged_at == t0 + timedelta(hours=3)
    assert report.resolved_at == t0 + timedelta(hours=30)
    assert report.updated_at == t0 + timedelta(hours=30)
    assert ModelLogEntry.objects.filter(action="reports.status").count() == 3

    services.status_set(report=report, by=roads_agent, status="in_progress")
    report.refresh_from_db()
    assert report.resolved_at is None
    assert report.acknowledged_at == t0 + timedelta(hours=3)  # the first one stays


def test_the_mayor_signs_as_the_town_hall(commune, resident, pothole, mayor):
    report = make_report(commune, resident, pothole)
    update = services.status_set(report=report, by=mayor, status="acknowledged")
    assert update.public_by in ("Town hall", "Mairie", "La mairie")


def test_same_status_unknown_or_duplicate_is_refused(commune, resident, graffiti, mayor):
    report = make_report(commune, resident, graffiti)
    for status in ("new", "duplicate", "lost"):
        with pytest.raises(ValidationError) as excinfo:
            services.status_set(report=report, by=mayor, status=status)
        assert list(errors_of(excinfo)) == ["status"]
    assert Update.objects.filter(report=report).count() == 1


def test_rejecting_needs_a_reason(commune, resident, graffiti, mayor):
    report = make_report(commune, resident, graffiti)
    with pytest.raises(ValidationError) as excinfo:
        services.status_set(report=report, by=mayor, status="rejected", note="  ")
    assert list(errors_of(excinfo)) == ["note"]
    update = services.status_set(report=report, by=mayor, status="rejected", note="Terrain privé.")
    assert update.note == "Terrain privé."
    report.refresh_from_db()
    assert report.acknowledged_at is not None and report.resolved_at is None


def test_a_note_longer_than_2000_is_refused(commune, resident, graffiti, mayor):
    report = make_report(commune, resident, graffiti)
    with pytest.raises(ValidationError) as excinfo:
        services.status_set(report=report, by=mayor, status="acknowledged", note="x" * 2001)
    assert list(errors_of(excinfo)) == ["note"]


def test_who_may_move_a_report(
    commune, resident, pothole, street_light, lighting_agent, roads_agent, other_agent
):
    pothole_report = make_report(commune, resident, pothole)
    for person in (lighting_agent, other_agent, resident):
        with pytest.raises(PermissionDenied):
            services.status_set(report=pothole_report, by=person, status="acknowledged")
    light_report = make_report(commune, resident, street_light)
    with pytest.raises(PermissionDenied):
        services.status_set(report=light_report, by=roads_agent, status="acknowledged")
    services.status_set(report=light_report, by=lighting_agent, status="acknowledged")


def test_a_technical_agent_without_the_role_any_more_handles_nothing(
    commune, resident, pothole, roads_agent
):
    from communes.services import staff_role_revoke
    from tests.follows import root

    role = StaffRole.objects.get(commune=commune, user=roads_agent)
    staff_role_revoke(role_obj=role, by=root())
    report = make_report(commune, resident, pothole)
    assert not can_handle(roads_agent, report)
    with pytest.raises(PermissionDenied):
        services.status_set(report=report, by=roads_agent, status="acknowledged")


# --- category ----------------------------------------------------------------------------------


def test_reassigning_moves_it_to_the_other_service(
    commune, resident, pothole, street_light, roads_agent, lighting_agent
):
    report = make_report(commune, resident, pothole)
    update = services.category_set(
        report=report, by=roads_agent, category=street_light, note="C'est un lampadaire."
    )
    assert (update.kind, update.public_by, update.note) == (
        "category",
        "Voirie",
        "C'est un lampadaire.",
    )
    report.refresh_from_db()
    assert report.category == street_light
    assert not can_handle(roads_agent, report)
    assert can_handle(lighting_agent, report)
    with pytest.raises(PermissionDenied):
        services.category_set(report=report, by=roads_agent, category=pothole)
    with pytest.raises(ValidationError) as excinfo:
        services.category_set(report=report, by=lighting_agent, category=street_light)
    assert list(errors_of(excinfo)) == ["category"]
    assert ModelLogEntry.objects.filter(action="reports.category").count() == 1


def test_reassigning_to_another_communes_category_is_refused(
    commune, resident, graffiti, mayor, other_category
):
    report = make_report(commune, resident, graffiti)
    with pytest.raises(ValidationError) as excinfo:
        services.category_set(report=report, by=mayor, category=other_category)
    assert list(errors_of(excinfo)) == ["category"]


# --- merge -------------------------------------------------------------------------------------


def test_merge_moves_followers_without_doubles(commune, resident, neighbour, graffiti, mayor):
    third = validated(UserFactory(), commune)
    into = make_report(commune, resident, graffiti)
    duplicate = make_report(commune, neighbour, graffiti)
    services.follow(user=third, report=duplicate)
    services.follow(user=resident, report=duplicate)  # follows both
    update = services.merge(duplicate=duplicate, into=into, by=mayor)

    assert (update.kind, update.status, update.previous_status) == ("merged", "duplicate", "new")
    assert update.note == f"Même problème que le signalement n° {into.pk}."
    duplicate.refresh_from_db()
    into.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == ("duplicate", into)
    assert set(Follower.objects.filter(report=into).values_list("user_id", flat=True)) == {
        resident.pk,
        neighbour.pk,
        third.pk,
    }
    assert into.followers_count == 3
    assert duplicate.followers_count == 0
    assert not Follower.objects.filter(report=duplicate).exists()
    assert ModelLogEntry.objects.filter(action="reports.merge").count() == 1


def test_merge_rules(commune, other_commune, resident, graffiti, pothole, roads_agent, mayor):
    first = make_report(commune, resident, graffiti)
    second = make_report(commune, resident, graffiti)
    pothole_report = make_report(commune, resident, pothole)
    with pytest.raises(ValidationError):
        services.merge(duplicate=first, into=first, by=mayor)
    with pytest.raises(PermissionDenied):  # the roads agent does not handle graffiti
        services.merge(duplicate=pothole_report, into=first, by=roads_agent)
    services.merge(duplicate=second, into=first, by=mayor)
    with pytest.raises(ValidationError) as excinfo:  # into a merged report
        services.merge(duplicate=pothole_report, into=second, by=mayor)
    assert list(errors_of(excinfo)) == ["into"]
    with pytest.raises(ValidationError) as excinfo:  # already merged
        services.merge(duplicate=second, into=pothole_report, by=mayor)
    assert list(errors_of(excinfo)) == ["duplicate"]
    with pytest.raises(ValidationError):  # a merged report's status does not move
        services.status_set(report=second, by=mayor, status="acknowledged")


def test_merge_across_communes_is_refused(commune, other_commune, resident, graffiti):
    from modules.reports.models import Category

    superuser = UserFactory(is_superuser=True, is_staff=True)
    cocody = Category.objects.create(commune=other_commune, name="Tags", code="tags")
    here = make_report(commune, resident, graffiti)
    there = make_report(other_commune, None, cocody)
    with pytest.raises(ValidationError) as excinfo:
        services.merge(duplicate=there, into=here, by=superuser)
    assert list(errors_of(excinfo)) == ["into"]


# --- bulk --------------------------------------------------------------------------------------


def test_bulk_is_refused_as_a_whole_when_one_is_not_handled(
    commune, resident, pothole, street_light, roads_agent
):
    mine = [make_report(commune, resident, pothole) for _ in range(2)]
    theirs = make_report(commune, resident, street_light)
    with pytest.raises(PermissionDenied):
        services.bulk_status(reports=[*mine, theirs], by=roads_agent, status="acknowledged")
    assert set(Report.objects.values_list("status", flat=True)) == {"new"}
    services.status_set(report=mine[0], by=roads_agent, status="acknowledged")
    changed = services.bulk_status(reports=mine, by=roads_agent, status="acknowledged")
    assert changed == 1
    assert set(Report.objects.filter(category=pothole).values_list("status", flat=True)) == {
        "acknowledged"
    }


def test_bulk_rejection_without_a_note_changes_nothing(commune, resident, graffiti, mayor):
    reports = [make_report(commune, resident, graffiti) for _ in range(2)]
    with pytest.raises(ValidationError):
        services.bulk_status(reports=reports, by=mayor, status="rejected")
    assert set(Report.objects.values_list("status", flat=True)) == {"new"}


# --- "has it been fixed?" ----------------------------------------------------------------------


def resolved_and_asked(commune, author, category, by):
    report = make_report(commune, author, category)
    services.status_set(report=report, by=by, status="resolved")
    Report.objects.filter(pk=report.pk).update(fixed_asked_at=timezone.now())
    report.refresh_from_db()
    return report


def test_yes_it_is_fixed(commune, resident, graffiti, mayor):
    report = resolved_and_asked(commune, resident, graffiti, mayor)
    update = services.answer_fixed(user=resident, report=report, fixed=True)
    assert (update.kind, update.status, update.by) == ("fixed", "resolved", resident)
    assert update.public_by in ("The reporter", "La personne qui l'a signalé", "Le signalant")
    report.refresh_from_db()
    assert (report.status, report.fixed_answer) == ("resolved", "yes")
    assert report.fixed_answered_at is not None
    with pytest.raises(ValidationError) as excinfo:  # only once
        services.answer_fixed(user=resident, report=report, fixed=False)
    assert list(errors_of(excinfo)) == ["fixed"]


def test_no_it_is_not_fixed_reopens_it(commune, resident, graffiti, mayor):
    report = resolved_and_asked(commune, resident, graffiti, mayor)
    update = services.answer_fixed(
        user=resident, report=report, fixed=False, note="Le tag est revenu."
    )
    assert (update.kind, update.status, update.previous_status, update.note) == (
        "reopened",
        "acknowledged",
        "resolved",
        "Le tag est revenu.",
    )
    report.refresh_from_db()
    assert (report.status, report.fixed_answer, report.resolved_at) == (
        "acknowledged",
        "no",
        None,
    )
    # Resolved again: the question starts over.
    services.status_set(report=report, by=mayor, status="resolved")
    report.refresh_from_db()
    assert (report.fixed_asked_at, report.fixed_answer) == (None, "")


def test_only_the_author_answers_and_only_when_asked(commune, resident, neighbour, graffiti, mayor):
    report = make_report(commune, resident, graffiti)
    services.status_set(report=report, by=mayor, status="resolved")
    with pytest.raises(ValidationError):  # not asked yet
        services.answer_fixed(user=resident, report=report, fixed=True)
    Report.objects.filter(pk=report.pk).update(fixed_asked_at=timezone.now())
    report.refresh_from_db()
    for person in (neighbour, mayor):
        with pytest.raises(PermissionDenied):
            services.answer_fixed(user=person, report=report, fixed=False)
    report.refresh_from_db()
    assert (report.status, report.fixed_answer) == ("resolved", "")


# --- services' members -------------------------------------------------------------------------


def test_service_members_follow_guardian_and_the_admin_group(
    commune, roads, lighting, mayor, roads_agent
):
    newcomer = UserFactory()
    grant(commune, newcomer, StaffRole.Role.TECHNICAL)
    services.service_members_set(service=lighting, members=[newcomer], by=mayor)
    assert list(services_of(newcomer)) == [lighting]
    group = Group.objects.get(name=services.TECHNICAL_GROUP)
    assert group.permissions.filter(codename="access_admin").exists()
    assert set(group.user_set.values_list("pk", flat=True)) >= {newcomer.pk}
    assert ModelLogEntry.objects.filter(action="reports.service_members").count() == 1

    services.service_members_set(service=lighting, members=[], by=mayor)
    assert list(services_of(newcomer)) == []
    assert not group.user_set.filter(pk=newcomer.pk).exists()


def test_a_member_of_two_services_stays_in_the_group_while_one_remains(
    commune, roads, lighting, mayor, roads_agent
):
    services.service_members_set(service=lighting, members=[roads_agent], by=mayor)
    services.service_members_set(service=roads, members=[roads_agent], by=mayor)
    group = Group.objects.get(name=services.TECHNICAL_GROUP)
    services.service_members_set(service=lighting, members=[], by=mayor)
    assert group.user_set.filter(pk=roads_agent.pk).exists()
    assert list(services_of(roads_agent)) == [roads]


def test_members_must_hold_handle_reports_in_the_commune(
    commune, other_commune, roads, mayor, resident, other_agent
):
    council = UserFactory()
    grant(commune, council, StaffRole.Role.COUNCIL)
    for person in (resident, other_agent, council):
        with pytest.raises(ValidationError) as excinfo:
            services.service_members_set(service=roads, members=[person], by=mayor)
        assert list(errors_of(excinfo)) == ["members"]
    assert services_of(other_agent, commune).count() == 0


def test_only_the_town_hall_sets_members(commune, roads, roads_agent, lighting_agent):
    with pytest.raises(PermissionDenied):
        services.service_members_set(service=roads, members=[lighting_agent], by=roads_agent)


# --- Open311 keys ------------------------------------------------------------------------------


def test_an_integrators_key_is_shown_once_and_stored_as_a_digest(commune, mayor):
    integrator, key = services.integrator_create(
        commune=commune, name="Appli Ville", contact_email="dev@example.org", per_hour=30, by=mayor
    )
    assert key.startswith("o311_") and len(key) > 30
    assert integrator.key_prefix == key[:10]
    assert integrator.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(Integrator.objects.filter(pk=integrator.pk).values().get())
    assert integrator_for_key(key) == integrator
    assert integrator_for_key(key + "x") is None
    assert ModelLogEntry.objects.filter(action="reports.integrator_create").count() == 1

    services.integrator_revoke(integrator=integrator, by=mayor)
    assert integrator_for_key(key) is None
    assert ModelLogEntry.objects.filter(action="reports.integrator_revoke").count() == 1


def test_only_the_town_hall_makes_keys(commune, roads_agent, resident):
    for person in (roads_agent, resident):
        with pytest.raises(PermissionDenied):
            services.integrator_create(commune=commune, name="X", by=person)
    assert Integrator.objects.count() == 0


def test_an_integrator_needs_a_name_and_a_sane_rate(commune, mayor):
    with pytest.raises(ValidationError) as excinfo:
        services.integrator_create(commune=commune, name="  ", by=mayor)
    assert list(errors_of(excinfo)) == ["name"]
    with pytest.raises(ValidationError) as excinfo:
        services.integrator_create(commune=commune, name="X", per_hour=0, by=mayor)
    assert list(errors_of(excinfo)) == ["per_hour"]
