"""DRF fields every app's API shares: JSON types are kept, never coerced.

DRF turns 12 into "12" for a text field, true into 1 for an integer and "yes" into
true for a boolean; an integrator's mistake would then be stored instead of answered
with a 400 on the field.
"""

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text only: numbers and booleans are refused instead of turned into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: booleans (DRF reads true as 1) and text are refused."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false only (DRF also reads "yes", 1, "on"…)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=str(data)[:20])  # the message quotes it
        return data
