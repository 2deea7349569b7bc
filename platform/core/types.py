"""Type names the apps share (for mypy; plain aliases at run time)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    # A label may be a lazy translation (gettext_lazy) until it is rendered.
    StrOrPromise = str

__all__ = ["StrOrPromise"]
