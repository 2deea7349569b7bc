"""Forms of the communities' site pages. They only collect input: the rules are the services'.

A service's ``ValidationError`` is put back on these forms with
``core.forms.add_service_errors`` (its field when the form has one, the form otherwise).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import PRESENTATION_MAX_LENGTH, REASON_MAX_LENGTH, Invitation
from communities.services import NAME_MAX_LENGTH


class CommunityCreateForm(forms.Form):
    """CTY-1: a name and a boundary.

    The map (communities/map.js, Leaflet.draw) writes the drawn polygon as GeoJSON
    into ``area`` and hides it; without JavaScript it is a text area that accepts
    GeoJSON or WKT. Whether the boundary is readable, valid, small enough, contains
    the home and overlaps nobody is decided by ``services.community_create``.
    """

    name = forms.CharField(
        label=_("Name of the community"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("The name of your street or neighbourhood, for instance."),
    )
    area = forms.CharField(
        label=_("Boundary"),
        required=False,
        strip=True,
        help_text=_(
            "Draw it on the map around your home, along the streets and the neighbouring "
            "communities. Without the map, paste a polygon in GeoJSON or WKT."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "data-area-input": "", "spellcheck": "false"}),
    )


class DecisionForm(forms.Form):
    """CTY-4: accept or refuse one pending request (two submit buttons name the decision)."""

    ACCEPT = "accept"
    REFUSE = "refuse"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept")), (REFUSE, _("Refuse"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason of a refusal"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Required to refuse: the person will read it."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferentForm(forms.Form):
    """CTY-7: one action on the référent role, on a member chosen from a list."""

    GRANT = "grant"
    TRANSFER = "transfer"
    REMOVE = "remove"
    GIVE_UP = "give_up"
    ACTIONS = (GRANT, TRANSFER, REMOVE, GIVE_UP)

    member = forms.TypedChoiceField(label=_("Member"), coerce=int, choices=())

    def __init__(self, *args, action: str, members=(), **kwargs):
        """``members``: (id, display name) pairs, from privacy cards."""
        super().__init__(*args, **kwargs)
        self.action = action
        if action == self.GIVE_UP:
            del self.fields["member"]
        else:
            member = self.fields["member"]
            assert isinstance(member, forms.ChoiceField)
            member.choices = [("", "—"), *members]


class ExclusionForm(forms.Form):
    """CTY-8: a référent's request; the platform's staff decide."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=_(
            "What happened, in a few factual sentences. The platform's staff read it "
            "before deciding."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class InvitationForm(forms.Form):
    """CTY-10: invite a neighbour by email or SMS; nobody is registered by it."""

    channel = forms.ChoiceField(
        label=_("Send by"),
        choices=Invitation.Channel.choices,
        initial=Invitation.Channel.EMAIL,
        widget=forms.RadioSelect,
    )
    recipient = forms.CharField(
        label=_("Email address or mobile number"),
        max_length=254,
        help_text=_("We use it only to send this invitation: it is not kept."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class SettingsForm(forms.Form):
    """CTY-11 and CTY-12: name, public presentation and the référent's photo opt-in."""

    name = forms.CharField(label=_("Name of the community"), max_length=NAME_MAX_LENGTH)
    presentation = forms.CharField(
        label=_("Presentation"),
        required=False,
        max_length=PRESENTATION_MAX_LENGTH,
        help_text=_(
            "Shown on the public page of the community, at most 1,000 characters. "
            "Write nothing personal about your neighbours."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": PRESENTATION_MAX_LENGTH}),
    )
    show_photo = forms.BooleanField(
        label=_("Show my photo on the public page of the community"),
        required=False,
        help_text=_("Your name appears there as référent; your photo only if you tick this."),
    )


class MergeProposalForm(forms.Form):
    """CTY-12: propose to merge with one or more neighbouring communities of the commune
    (2 to 6 communities in all), and choose which one goes on."""

    KEEP_OURS = "ours"

    # Named like the service's field so that its errors land here; the community that goes
    # on may be one of the ticked ones.
    absorbed = forms.TypedMultipleChoiceField(
        label=_("Neighbouring communities"),
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each community to merge with yours (at most 5)."),
    )
    kept = forms.ChoiceField(
        label=_("Which community goes on?"),
        choices=(),
        initial=KEEP_OURS,
        widget=forms.RadioSelect,
        help_text=_(
            "The community that goes on keeps its name and public page; the members of "
            "all become its members."
        ),
    )

    def __init__(self, *args, community=None, others=(), **kwargs):
        super().__init__(*args, **kwargs)
        others = list(others)
        self.fields["absorbed"].choices = [(c.pk, c.name) for c in others]
        ours = (
            _("Ours (%(name)s)") % {"name": community.name} if community is not None else _("Ours")
        )
        self.fields["kept"].choices = [
            (self.KEEP_OURS, ours),
            *((str(c.pk), c.name) for c in others),
        ]

    def clean(self):
        cleaned = super().clean()
        kept, ticked = cleaned.get("kept"), cleaned.get("absorbed") or []
        if kept and kept != self.KEEP_OURS and int(kept) not in ticked:
            self.add_error("kept", _("Tick the community that goes on among those that merge."))
        return cleaned
