"""Mounted by api/urls.py: a resident's reports under /api/v1/reports/, the decisions
about them and the moderators' queue under /api/v1/moderation/."""

from django.urls import URLPattern, URLResolver, path

from moderation import api

report_patterns: list[URLPattern | URLResolver] = [
    path("", api.ReportListCreateApi.as_view(), name="list"),
    path("<int:report_id>/", api.ReportDetailApi.as_view(), name="detail"),
]

moderation_patterns: list[URLPattern | URLResolver] = [
    path("decisions/", api.DecisionListApi.as_view(), name="decisions"),
    path("decisions/<int:decision_id>/", api.DecisionDetailApi.as_view(), name="decision"),
    path("decisions/<int:decision_id>/appeal/", api.AppealApi.as_view(), name="appeal"),
    path("pending/", api.PendingListApi.as_view(), name="pending"),
    path("cases/", api.CaseListApi.as_view(), name="cases"),
    path("cases/bulk/", api.CaseBulkApi.as_view(), name="bulk"),
    path("cases/<int:case_id>/", api.CaseDetailApi.as_view(), name="case"),
    path("cases/<int:case_id>/decision/", api.CaseDecisionApi.as_view(), name="decide"),
    path("suspensions/", api.SuspensionListApi.as_view(), name="suspensions"),
    path("suspensions/<int:suspension_id>/lift/", api.SuspensionLiftApi.as_view(), name="lift"),
]
