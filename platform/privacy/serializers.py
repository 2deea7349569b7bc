"""The API's view of a person: a ``PersonCard`` from the privacy matrix, never a User."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from privacy.relations import Relation


class PersonSerializer(serializers.Serializer):
    """Serialises a ``privacy.matrix.PersonCard``: a field the viewer may not see is null."""

    display_name = serializers.CharField(
        read_only=True, help_text=_("Name, pseudonym or a neutral label, as the viewer may see it.")
    )
    relation = serializers.ChoiceField(
        choices=[(r.value, r.value) for r in Relation],
        read_only=True,
        help_text=_("The viewer's strongest relation with this person."),
    )
    id = serializers.IntegerField(read_only=True, allow_null=True)
    first_name = serializers.CharField(read_only=True, allow_null=True)
    last_name = serializers.CharField(read_only=True, allow_null=True)
    pseudonym = serializers.CharField(read_only=True, allow_null=True)
    email = serializers.EmailField(read_only=True, allow_null=True)
    mobile = serializers.CharField(read_only=True, allow_null=True)
    landline = serializers.CharField(read_only=True, allow_null=True)
    address = serializers.CharField(read_only=True, allow_null=True)
    photo_url = serializers.CharField(read_only=True, allow_null=True)
    presentation = serializers.CharField(read_only=True, allow_null=True)
    birth_date = serializers.DateField(read_only=True, allow_null=True)
    is_former_member = serializers.BooleanField(read_only=True)

    def to_representation(self, card):
        data = super().to_representation(card)
        if data.get("photo_url") and "request" in self.context:
            data["photo_url"] = self.context["request"].build_absolute_uri(data["photo_url"])
        return data
