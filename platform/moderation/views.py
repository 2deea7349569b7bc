"""Site pages of moderation and the support desk (being written: issue 17)."""

from django.http import Http404


def _pending(request, *args, **kwargs):
    raise Http404


report_person = report = my_reports = decision = _pending
support = support_mine = support_detail = _pending
