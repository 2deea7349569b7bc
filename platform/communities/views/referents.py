"""The référents' page (CTY-7): grant, transfer, give up, remove."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communities import selectors, services
from communities.forms import ReferentForm
from communities.models import Community
from communities.views._common import GET_POST, Member, community_view, members_cards
from core.forms import service_errors
from privacy.matrix import with_relations


def _referent_forms(members: list[Member], viewer_pk: int, data=None, action: str = ""):
    """The four forms of the référents page; the one named by ``action`` bound to ``data``."""
    others = [m for m in members if m.card.id != viewer_pk]
    plain = [(m.card.id, m.card.display_name) for m in others if not m.is_referent]
    referents = [(m.card.id, m.card.display_name) for m in others if m.is_referent]
    choices = {
        ReferentForm.GRANT: plain,
        ReferentForm.TRANSFER: plain,
        ReferentForm.REMOVE: referents,
        ReferentForm.GIVE_UP: (),
    }
    return {
        name: ReferentForm(
            data if name == action else None,
            action=name,
            members=members_choices,
            prefix=name,
        )
        for name, members_choices in choices.items()
    }


@require_http_methods(GET_POST)
@community_view(selectors.REFERENT)
def referents(request, community: Community):
    """CTY-7: grant, transfer, give up, remove; a community always keeps a référent."""
    user = request.user
    members = members_cards(with_relations(user, selectors.members_of(community)))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ReferentForm.ACTIONS:
        messages.error(request, _("Choose an action from the page."))
        return redirect("communities:referents", pk=community.pk)
    forms = _referent_forms(members, user.pk, request.POST, action)
    if action:
        form = forms[action]
        if form.is_valid():
            target = None
            if action != ReferentForm.GIVE_UP:
                members_qs = selectors.members_of(community)
                target = members_qs.filter(pk=form.cleaned_data["member"]).first()
            with service_errors(form) as call:
                if action == ReferentForm.GIVE_UP:
                    services.referent_give_up(by=user, community=community)
                    text = _("You are no longer référent.")
                elif target is None:  # no longer a member since the form was shown
                    raise ValidationError(
                        {"member": _("This person is not a member of the community.")}
                    )
                elif action == ReferentForm.GRANT:
                    services.referent_grant(by=user, community=community, user=target)
                    text = _("%(name)s is now référent.")
                elif action == ReferentForm.TRANSFER:
                    services.referent_transfer(by=user, community=community, user=target)
                    text = _("You handed the référent role over to %(name)s.")
                else:
                    services.referent_remove(by=user, community=community, user=target)
                    text = _("%(name)s is no longer référent.")
            if call.ok:
                name = dict(form.fields["member"].choices).get(target.pk) if target else ""
                messages.success(request, text % {"name": name})
                if selectors.can_act_as_referent(user, community):
                    return redirect("communities:referents", pk=community.pk)
                return redirect("communities:detail", pk=community.pk)
    return render(
        request,
        "communities/referents.html",
        {"community": community, "members": members, "forms": forms},
    )
