"""The residents' forms of problem reports (REP-1, REP-4); the services check everything again.

:class:`ReportForm` holds every active category's questions at once (``q-<category
pk>-<code>``): the page shows them all without JavaScript (under the category's name),
the script only the chosen category's; :meth:`ReportForm.answers` keeps the chosen one's.
Its address, latitude and longitude are rendered by the account pages' address field
(``includes/address_field.html``, address.js): ``address_map`` is what that field needs.
"""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from modules.reports.models import (
    ADDRESS_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS,
    NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Question,
    Report,
)

PHOTO_TYPES = "image/jpeg,image/png,image/webp"
# Where the point of the form comes from (the script says; an address alone: none).
POINT_SOURCES = (
    Report.Source.MAP,
    Report.Source.DEVICE,
    Report.Source.PHOTO,
    Report.Source.ADDRESS,  # a suggestion of the address search chosen
)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """One to :data:`MAX_PHOTOS` uploads (the service cleans each one)."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            return single(None, initial)  # "required"
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("Choose at most %(count)s photos.") % {"count": MAX_PHOTOS}, code="max"
            )
        return [single(upload, initial) for upload in files]


def question_field_name(question: Question) -> str:
    return f"q-{question.category_id}-{question.code}"


class ReportForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    title = forms.CharField(
        label=_("What is the problem?"),
        min_length=3,
        max_length=TITLE_MAX_LENGTH,
        help_text=_("In a few words: “Pothole in front of the school”."),
        error_messages={"required": _("Give your report a title.")},
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you saw, where exactly, since when. Residents will read it."),
        error_messages={"required": _("Describe the problem.")},
    )
    photos = PhotosField(
        label=_("Photos"),
        widget=MultiplePhotoInput(attrs={"accept": PHOTO_TYPES, "data-report-photos": ""}),
        help_text=_("1 to 5 photos: JPEG, PNG or WebP. Their position data is removed."),
        error_messages={"required": _("Add at least one photo of the problem.")},
    )
    address = forms.CharField(
        label=_("Address or place"),
        max_length=ADDRESS_MAX_LENGTH,
        required=False,
        help_text=_("Number and street, or a landmark. Or place the point on the map."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address", "data-address-input": ""}),
    )
    # Written by the script; a hidden field never shows an error: anything odd is dropped.
    latitude = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-address-latitude": ""})
    )
    longitude = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-address-longitude": ""})
    )
    location_source = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-report-source": ""})
    )
    confirmed_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, categories=(), address_map: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        # The address field's search URL and map (includes/address_field.html).
        self.address_map = address_map or {}
        field = self.fields["category"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose a category")), *((c.pk, c.name) for c in self.categories)]
        field.error_messages["required"] = _("Choose the kind of problem.")
        field.error_messages["invalid_choice"] = _("Choose one of the commune's categories.")
        # Each category's questions, grouped for the template: [(category, [bound field])].
        self.question_groups: list[tuple[Any, list[forms.BoundField]]] = []
        for category in self.categories:
            bound = []
            for question in category.questions.all():
                name = question_field_name(question)
                self.fields[name] = _question_field(question)
                bound.append(self[name])
            if bound:
                self.question_groups.append((category, bound))

    def clean_latitude(self):
        return _coordinate(self.cleaned_data.get("latitude"), 90)

    def clean_longitude(self):
        return _coordinate(self.cleaned_data.get("longitude"), 180)

    def clean_location_source(self):
        source = self.cleaned_data.get("location_source", "")
        return source if source in POINT_SOURCES else ""

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None):
            cleaned["latitude"] = cleaned["longitude"] = None
        return cleaned

    def chosen_category(self):
        pk = self.cleaned_data.get("category")
        return next((c for c in self.categories if c.pk == pk), None)

    def answers(self) -> dict[str, Any]:
        """The chosen category's answers, by question code (empty ones left out)."""
        category = self.chosen_category()
        if category is None:
            return {}
        answers: dict[str, Any] = {}
        for question in category.questions.all():
            value = self.cleaned_data.get(question_field_name(question))
            if value in (None, "", []):
                continue
            answers[question.code] = value
        return answers

    def point(self) -> tuple[float, float] | None:
        latitude, longitude = self.cleaned_data.get("latitude"), self.cleaned_data.get("longitude")
        if latitude is None or longitude is None:
            return None
        return latitude, longitude


def _coordinate(raw, limit: float) -> float | None:
    """A hidden coordinate as a number; anything else (tampered): as if none was placed."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or not -limit <= value <= limit:
        return None
    return value


class NumberField(forms.FloatField):
    """A number kept as JSON likes it: ``3`` rather than ``3.0``."""

    def to_python(self, value):
        number = super().to_python(value)
        if number is not None and number.is_integer():
            return int(number)
        return number


def _question_field(question: Question) -> forms.Field:
    """The form field of a category's question; required-ness is the service's to check
    (only the chosen category's questions count)."""
    common: dict[str, Any] = {"label": question.label, "required": False}
    if question.datatype == Question.Datatype.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common)
    if question.datatype == Question.Datatype.NUMBER:
        return NumberField(**common)
    if question.datatype == Question.Datatype.SINGLE:
        return forms.ChoiceField(
            choices=[("", pgettext_lazy("question", "Choose")), *question.choices()], **common
        )
    if question.datatype == Question.Datatype.MULTI:
        return forms.MultipleChoiceField(
            choices=question.choices(), widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.CharField(max_length=200, **common)


class FixedForm(forms.Form):
    """ "Has it been fixed?": the reporter's answer, four weeks after the resolution."""

    fixed = forms.TypedChoiceField(
        label=_("Has the problem been fixed?"),
        choices=(("yes", _("Yes, it is fixed")), ("no", _("No, it is not fixed"))),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no.")},
    )
    note = forms.CharField(
        label=_("What is still wrong? (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published in the report's history, for the residents and the town hall."),
    )
