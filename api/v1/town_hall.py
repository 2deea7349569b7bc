"""A town hall's own settings and staff, under /api/v1/communes/{commune_slug}/ (COM-2, ACC-9).

* ``settings/``: the partner town hall's settings (how its communities' membership
  requests are validated, the police contact), read and changed through
  ``communes.services.partner_settings_update``.
* ``staff/``: the town-hall roles of the commune (``communes.roles``), listed, granted
  to an existing account chosen by its exact e-mail address, and revoked through
  ``communes.services.staff_role_grant``/``staff_role_revoke``; the API counterpart of
  the admin's "Town-hall staff" (``communes.staff_admin``).

Who: those who manage the commune's staff (``commune_permission(…, MANAGE_STAFF)``: its
mayor, its hosting partner's staff, superusers). The commune itself is public, so an
unknown slug answers 404, and anyone else signed in gets 403 on every operation here,
another commune's mayor included; a role id that is not one of this commune's answers
404. Staff are shown by their real name (a town-hall role is a public function, as in
the admin), never with an e-mail address.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import VALIDATION
from communes.models import Commune, StaffRole
from communes.roles import MANAGE_STAFF, ROLE_PERMISSIONS
from communes.selectors import commune_permission
from communes.services import (
    partner_settings_update,
    staff_role_grant,
    staff_role_revoke,
)
from core.api_fields import StrictCharField
from core.ids import positive_id
from core.openapi import COMMUNE_SLUG, path_id
from privacy.matrix import build_card
from privacy.relations import Relation

TAGS = ["town-hall"]
ROLE_ORDER = {role: index for index, role in enumerate(ROLE_PERMISSIONS)}
VALIDATION_MODES = Commune._meta.get_field("community_validation_mode").choices or []
ROLE_ID = path_id("role_id", "Id of a role of this commune (`id` in the staff list).")


# --- serializers -----------------------------------------------------------------------


class TownHallSettingsSerializer(serializers.Serializer):
    is_partner = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "A partner town hall (set by its hosting partner); only a partner's settings "
            "can be changed."
        ),
    )
    community_validation_mode = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "How the membership requests of every community of the commune are validated: "
            "`referent`, `platform_staff`, or empty (each community keeps its own mode)."
        ),
    )
    police_name = serializers.CharField(read_only=True)
    police_email = serializers.CharField(read_only=True, help_text=gettext_lazy("Empty if none."))
    police_phone = serializers.CharField(
        read_only=True, help_text=gettext_lazy("E.164, for example +33299001122; empty if none.")
    )


class TownHallSettingsInputSerializer(serializers.Serializer):
    """PATCH: only the fields sent change."""

    community_validation_mode = serializers.ChoiceField(
        choices=list(VALIDATION_MODES),
        allow_blank=True,
        required=False,
        help_text=gettext_lazy("`referent`, `platform_staff`, or empty."),
    )
    police_name = StrictCharField(max_length=200, allow_blank=True, required=False)
    police_email = serializers.EmailField(allow_blank=True, required=False)
    police_phone = PhoneNumberField(
        allow_blank=True,
        required=False,
        help_text=gettext_lazy("E.164, for example +33299001122; empty to remove it."),
    )

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        if "police_phone" in data:
            data["police_phone"] = data["police_phone"] or ""
        return data


class StaffPersonSerializer(serializers.Serializer):
    """A role holder: real name (a public function), never an e-mail address."""

    id = serializers.IntegerField(read_only=True, allow_null=True)
    display_name = serializers.CharField(read_only=True)
    first_name = serializers.CharField(read_only=True, allow_null=True)
    last_name = serializers.CharField(read_only=True, allow_null=True)


class StaffRoleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    role = serializers.ChoiceField(choices=StaffRole.Role.choices, read_only=True)
    role_label = serializers.CharField(read_only=True)
    person = StaffPersonSerializer(read_only=True)
    granted_at = serializers.DateTimeField(read_only=True)
    granted_by = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Who granted it (real name), or null."),
    )


class StaffRoleGrantInputSerializer(serializers.Serializer):
    email = serializers.EmailField(
        help_text=gettext_lazy(
            "The exact e-mail address of the person's account (they register first)."
        )
    )
    role = serializers.ChoiceField(choices=StaffRole.Role.choices)

    def validate_email(self, value: str) -> str:
        email = value.strip()
        self.person = get_user_model().objects.filter(email__iexact=email).first()
        if self.person is None:
            raise serializers.ValidationError(_("No account uses this email address."))
        return email


def _staff_card(user):
    """The holder's name as the admin shows it: through the matrix, as the town hall sees
    its own team (the serializer keeps the name and the id only)."""
    return build_card(user, frozenset({Relation.COMMUNE_STAFF}))


def _rows(roles: list[StaffRole]) -> list[dict]:
    return [
        {
            "id": role.pk,
            "role": role.role,
            "role_label": role.get_role_display(),
            "person": _staff_card(role.user),
            "granted_at": role.granted_at,
            "granted_by": _staff_card(role.granted_by).display_name
            if role.granted_by is not None
            else None,
        }
        for role in roles
    ]


# --- views -----------------------------------------------------------------------------


class _TownHallApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    forbidden_message = gettext_lazy("Only the mayor and the hosting partner manage this commune.")

    def commune(self, commune_slug: str) -> Commune:
        """The commune (404 when unknown), after checking the caller manages its staff (403)."""
        commune = get_object_or_404(Commune, slug=commune_slug)
        user = self.request.user
        if not (user.is_authenticated and commune_permission(user, commune, MANAGE_STAFF)):
            raise DrfPermissionDenied(self.forbidden_message)
        return commune


class TownHallSettingsApi(_TownHallApi):
    @extend_schema(
        tags=TAGS,
        operation_id="town_hall_settings_read",
        summary="The partner town hall's settings: validation mode and police contact",
        description=(
            "For those who manage the commune's staff (its mayor, its hosting partner's staff); "
            "403 for anyone else signed in, 404 for an unknown commune. `is_partner` says "
            "whether the settings apply (and may be changed)."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: TownHallSettingsSerializer},
    )
    def get(self, request, commune_slug: str):
        commune = self.commune(commune_slug)
        return Response(TownHallSettingsSerializer(commune).data)

    @extend_schema(
        tags=TAGS,
        operation_id="town_hall_settings_update",
        summary="Change the partner town hall's settings",
        description=(
            "Only the fields sent change. 400 by field for an invalid value; 403 for anyone "
            "who does not manage the commune's staff, and for a commune that is not a partner "
            "town hall (its hosting partner makes it one: `is_partner` in the partner API); "
            "404 for an unknown commune."
        ),
        parameters=[COMMUNE_SLUG],
        request=TownHallSettingsInputSerializer,
        responses={200: TownHallSettingsSerializer},
    )
    def patch(self, request, commune_slug: str):
        commune = self.commune(commune_slug)
        serializer = TownHallSettingsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commune = partner_settings_update(
            by=request.user, commune=commune, **serializer.to_service_fields()
        )
        return Response(TownHallSettingsSerializer(commune).data)


class TownHallStaffListApi(_TownHallApi):
    @extend_schema(
        tags=TAGS,
        operation_id="town_hall_staff_list",
        summary="The town-hall roles of the commune, with their holders",
        description=(
            "Every role (mayor first, then council, communication, technical, police), its "
            "holder's real name (never an e-mail address), when and by whom it was granted. "
            "Not paginated (a town hall has a handful of roles). 403 for anyone who does not "
            "manage the commune's staff (another commune's mayor included), 404 for an "
            "unknown commune."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: StaffRoleSerializer(many=True)},
    )
    def get(self, request, commune_slug: str):
        commune = self.commune(commune_slug)
        roles = sorted(
            StaffRole.objects.filter(commune=commune).select_related("user", "granted_by"),
            key=lambda r: (ROLE_ORDER.get(r.role, 99), r.user.last_name, r.user.first_name, r.pk),
        )
        return Response(StaffRoleSerializer(_rows(roles), many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="town_hall_staff_grant",
        summary="Grant a role to an existing account, chosen by its e-mail address",
        description=(
            "The person registers first; give the exact address of their account. 400 on "
            "`email` when no account uses it or the account is closed, on `role` for an "
            "unknown role or one the person already holds here; 403 for anyone who does not "
            "manage the commune's staff; 404 for an unknown commune."
        ),
        parameters=[COMMUNE_SLUG],
        request=StaffRoleGrantInputSerializer,
        responses={201: StaffRoleSerializer},
    )
    def post(self, request, commune_slug: str):
        commune = self.commune(commune_slug)
        serializer = StaffRoleGrantInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = serializer.person
        assert person is not None  # validate_email refused an address nobody uses
        try:
            granted = staff_role_grant(
                commune=commune,
                user=person,
                role=serializer.validated_data["role"],
                by=request.user,
            )
        except DjangoValidationError as error:
            # The service names the account "user"; the caller sent an "email".
            if hasattr(error, "error_dict") and "user" in error.error_dict:
                error.error_dict["email"] = error.error_dict.pop("user")
            raise
        role = StaffRole.objects.select_related("user", "granted_by").get(pk=granted.pk)
        return Response(StaffRoleSerializer(_rows([role])[0]).data, status=status.HTTP_201_CREATED)


class TownHallStaffRevokeApi(_TownHallApi):
    @extend_schema(
        tags=TAGS,
        operation_id="town_hall_staff_revoke",
        summary="Revoke a role",
        description=(
            "The person loses what the role allowed (unless another of their roles allows it). "
            "400 on `role` when it would leave the commune without a mayor (the town hall "
            "keeps its last mayor; its hosting partner may revoke it); 403 for anyone who "
            "does not manage the commune's staff; 404 for an unknown commune or a role id "
            "that is not one of this commune's."
        ),
        parameters=[COMMUNE_SLUG, ROLE_ID],
        responses={
            204: None,
            400: OpenApiResponse(VALIDATION, description="Invalid input: messages by field."),
        },
    )
    def delete(self, request, commune_slug: str, role_id: int):
        commune = self.commune(commune_slug)
        role = get_object_or_404(
            StaffRole.objects.select_related("commune"), commune=commune, pk=positive_id(role_id)
        )
        staff_role_revoke(role_obj=role, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path(
        "<slug:commune_slug>/settings/",
        TownHallSettingsApi.as_view(),
        name="town-hall-settings",
    ),
    path(
        "<slug:commune_slug>/staff/",
        TownHallStaffListApi.as_view(),
        name="town-hall-staff",
    ),
    path(
        "<slug:commune_slug>/staff/<int:role_id>/",
        TownHallStaffRevokeApi.as_view(),
        name="town-hall-staff-revoke",
    ),
]
