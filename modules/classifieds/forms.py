from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from core.phones import national
from modules.classifieds.models import Classified

CONTACT_FIELDS = ("show_phone", "show_email", "contact")


class ClassifiedEditForm(forms.ModelForm):
    """The author's form to change their classified; the service does the writing.

    ``author`` is who writes: the boxes that show their phone and e-mail say what
    readers will see, and the phone box is off when they gave no number.
    """

    class Meta:
        model = Classified
        fields = ["kind", "title", "description", *CONTACT_FIELDS]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, author, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Classified.Kind.choices
        phones = [national(number) for number in (author.mobile, author.landline) if number]
        show_phone = self.fields["show_phone"]
        show_phone.label = _("Show my phone number on this classified")
        if phones:
            show_phone.help_text = _("Readers will see: %(numbers)s.") % {
                "numbers": ", ".join(phones)
            }
        else:
            show_phone.disabled = True
            self.initial["show_phone"] = False  # a number since removed shows nothing
            show_phone.help_text = _(
                "You have not given a phone number: add one to your profile to show it."
            )
        show_email = self.fields["show_email"]
        show_email.label = _("Show my e-mail address on this classified")
        show_email.help_text = _("Readers will see: %(email)s.") % {"email": author.email}


class ClassifiedForm(ClassifiedEditForm):
    """The resident's publishing form: the same fields and how long it stays open."""

    days = forms.IntegerField(
        label=_("Visible for (days)"),
        min_value=1,
        help_text=_("Your classified closes on its own after this many days."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        maximum = settings.CLASSIFIEDS_MAX_DAYS
        days = self.fields["days"]
        days.max_value = maximum
        days.validators.append(MaxValueValidator(maximum))
        days.widget.attrs["max"] = maximum
        days.initial = settings.CLASSIFIEDS_DEFAULT_DAYS
