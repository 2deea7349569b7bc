"""Country rules: official commune codes, postal codes, time zones, phone prefixes.

France: the INSEE code (code officiel géographique) has five characters, the
department then the commune, with 2A/2B for Corsica (``75056`` Paris,
``2A004`` Ajaccio). Postal codes have five digits. Metropolitan communes use
Europe/Paris; overseas departments their own zone.

Côte d'Ivoire has no INSEE-like code in everyday use. We record the code of the
commune in the nomenclature of the Institut national de la statistique (INS)
as "CI-" + the ISO 3166-2 code of the district (two letters) + "-" + the
commune's two-digit number within it (``CI-AB-03`` Cocody, in the Abidjan
district). There are no postal codes (post is delivered to "BP" boxes), so the
field stays empty. One time zone: Africa/Abidjan.

Emergency numbers (ALR-7): alert forms and messages recall those of the commune's
country, from ``emergency_numbers`` (a list of (service, number)) through
:func:`emergency_sentence`. France: 17 (police) and 112 (the European number).
Côte d'Ivoire: 110, 111 or 170 (police), 180 (fire brigade), 185 (SAMU).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.types import StrOrPromise


@dataclass(frozen=True)
class CountryRules:
    code: str
    name: StrOrPromise
    official_code_pattern: re.Pattern
    official_code_help: StrOrPromise
    postal_code_pattern: re.Pattern | None
    time_zones: tuple[str, ...]
    phone_prefix: str
    default_language: str = "fr"
    # (service, number) in the order they are recalled; a service of "" is a general
    # emergency number (112), named without a service.
    emergency_numbers: tuple[tuple[StrOrPromise, str], ...] = ()


POLICE = pgettext_lazy("emergency service", "police")


COUNTRIES: dict[str, CountryRules] = {
    "FR": CountryRules(
        code="FR",
        name=_("France"),
        official_code_pattern=re.compile(r"^(?:\d{5}|2[AB]\d{3})$"),
        official_code_help=_("INSEE code: five characters, for example 75056 or 2A004."),
        postal_code_pattern=re.compile(r"^\d{5}$"),
        time_zones=(
            "Europe/Paris",
            "America/Guadeloupe",
            "America/Martinique",
            "America/Cayenne",
            "Indian/Reunion",
            "Indian/Mayotte",
            "America/Miquelon",
        ),
        phone_prefix="+33",
        emergency_numbers=((POLICE, "17"), ("", "112")),
    ),
    "CI": CountryRules(
        code="CI",
        name=_("Côte d'Ivoire"),
        official_code_pattern=re.compile(r"^CI-[A-Z]{2}-\d{2}$"),
        official_code_help=_(
            "INS code: CI-, the district's two letters, a dash, two digits (CI-AB-03)."
        ),
        postal_code_pattern=None,
        time_zones=("Africa/Abidjan",),
        phone_prefix="+225",
        emergency_numbers=(
            (POLICE, "110"),
            (POLICE, "111"),
            (POLICE, "170"),
            (pgettext_lazy("emergency service", "fire brigade"), "180"),
            (pgettext_lazy("emergency service", "ambulance"), "185"),
        ),
    ),
}

COUNTRY_CHOICES = [(code, rules.name) for code, rules in COUNTRIES.items()]


def rules_for(country: str) -> CountryRules:
    return COUNTRIES[country]


def emergency_sentence(country: str | None) -> str:
    """The sentence "In an emergency, call 17 (police) or 112." for ``country``.

    In the active language; numbers of one service are grouped ("110, 111 or 170
    (police)"). Straight apostrophes and the GSM alphabet in French, since SMS replies
    carry it. An unknown country (or none) gets France's numbers, the first country.
    """
    rules = COUNTRIES.get(country or "") or COUNTRIES["FR"]
    groups: list[tuple[StrOrPromise, list[str]]] = []
    for service, number in rules.emergency_numbers:
        if groups and service and str(groups[-1][0]) == str(service):
            groups[-1][1].append(number)
        else:
            groups.append((service, [number]))
    parts = []
    for service, numbers in groups:
        called = _or_list([_number(n) for n in numbers])
        if service:
            called = gettext("%(numbers)s (%(service)s)") % {"numbers": called, "service": service}
        parts.append(called)
    return gettext("In an emergency, call %(numbers)s.") % {"numbers": _or_list(parts)}


def _number(number: str) -> str:
    # Translators: a phone number to call; French puts "le" before it ("le 17").
    return pgettext("number to call", "%(number)s") % {"number": number}


def _or_list(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return gettext("%(items)s or %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def validate_commune_identity(
    *, country: str, official_code: str, postal_codes: list[str], time_zone: str
) -> dict[str, list[StrOrPromise]]:
    """Return field errors (French-translatable messages) for a commune's identity."""
    errors: dict[str, list[StrOrPromise]] = {}
    rules = COUNTRIES.get(country)
    if rules is None:
        return {"country": [_("Choose France or Côte d'Ivoire.")]}
    if not rules.official_code_pattern.match(official_code or ""):
        errors["official_code"] = [rules.official_code_help]
    if rules.postal_code_pattern is None:
        if postal_codes:
            errors["postal_codes"] = [_("Communes of this country have no postal codes.")]
    else:
        bad = [code for code in postal_codes if not rules.postal_code_pattern.match(code)]
        if bad:
            errors["postal_codes"] = [
                _("Invalid postal code(s): %(codes)s. Five digits each.")
                % {"codes": ", ".join(bad)}
            ]
        if country == "FR" and official_code and postal_codes and official_code[:2].isdigit():
            department = official_code[:3] if official_code.startswith("97") else official_code[:2]
            if not all(code.startswith(department) for code in postal_codes):
                errors.setdefault("postal_codes", []).append(
                    _("Postal codes must be in the same department as the INSEE code.")
                )
    if time_zone not in rules.time_zones:
        errors["time_zone"] = [
            _("Time zone must be one of: %(zones)s.") % {"zones": ", ".join(rules.time_zones)}
        ]
    return errors
