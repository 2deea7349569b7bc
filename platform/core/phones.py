"""Phone numbers as people read them: stored in E.164, shown in national format.

Numbers are stored and given to the API in E.164 ("+33611223344"); pages show them the
way people write them at home: "06 11 22 33 44" in France (overseas departments
included), "27 22 44 10 10" in Côte d'Ivoire (pairs of digits, where libphonenumber's
own national format gives "27 22 4 41010"). A number of another country keeps its
international form ("+44 20 7123 4567"), which is the one to dial from here.
"""

from __future__ import annotations

import phonenumbers
from phonenumber_field.widgets import RegionalPhoneNumberWidget

# French numbering plan: metropolitan France and the overseas departments, all dialled
# with a leading 0 from France.
FRENCH_PLAN = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"})
IN_PAIRS = frozenset({"CI"})


def _parse(number) -> phonenumbers.PhoneNumber | None:
    if isinstance(number, phonenumbers.PhoneNumber):
        return number
    text = str(number or "").strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def national(number) -> str:
    """``number`` (E.164 text or a parsed number) as people of its country write it.

    Empty for no number; the text as given when it is not a valid number.
    """
    parsed = _parse(number)
    if parsed is None:
        return str(number or "").strip()
    region = phonenumbers.region_code_for_number(parsed)
    if region in IN_PAIRS:
        digits = phonenumbers.national_significant_number(parsed)
        return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))
    if region in FRENCH_PLAN:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def e164(number) -> str:
    """``number`` in E.164 ("+33611223344"), for ``tel:`` links and the API; "" if invalid."""
    parsed = _parse(number)
    if parsed is None:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def example(region: str, *, mobile: bool = True) -> str:
    """A number people of ``region`` recognise, as they write it ("06 12 34 56 78")."""
    kind = (
        phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    )
    sample = phonenumbers.example_number_for_type(region, kind)
    return national(sample) if sample else ""


class NationalPhoneWidget(RegionalPhoneNumberWidget):
    """A form's number of its country shown back as people write it (``national``), so
    "06 11 22 33 44" and "27 22 44 10 10" come back as typed, not in E.164."""

    def format_value(self, value):
        parsed = _parse(value) if value else None
        if parsed is None:
            return super().format_value(value)
        home = FRENCH_PLAN if self.region in FRENCH_PLAN else {self.region}
        if phonenumbers.region_code_for_number(parsed) in home:
            return national(parsed)
        # Another country's number keeps its prefix, so it reads back the same.
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
