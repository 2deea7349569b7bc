"""Signals moderation listens to."""

from __future__ import annotations

from typing import Any


def content_held(
    sender: Any, *, kind: str, instance: Any, reason: str = "repeated_text", **kwargs: Any
) -> None:
    """Abuse control held an item: it waits in the moderators' queue."""
    from moderation.services import hold

    hold(kind=kind, instance=instance, reason=reason)


def personal_data(sender: Any, user: Any, **kwargs: Any) -> tuple[str, dict] | None:
    """The person's part of the GDPR export (ACC-13): the reports they made (reason, their
    text, the outcome) and the decisions about them or their content (with the
    moderators' note and their appeal). Never who reported them: a reporter is protected
    (the privacy walk checks the API; the export keeps the same rule)."""
    from moderation.models import Case, Report

    reports = list(
        Report.objects.filter(reporter=user).select_related("case").order_by("created_at", "pk")
    )
    cases = list(
        Case.objects.filter(author=user, decided_at__isnull=False)
        .exclude(decision="")
        .order_by("decided_at", "pk")
    )
    if not reports and not cases:
        return None
    return (
        "moderation",
        {
            "reports": [
                {
                    "kind": report.case.kind,
                    "reason": report.reason,
                    "text": report.text,
                    "impersonated_name": report.impersonated_name,
                    "created_at": report.created_at,
                    "status": report.case.status,
                    "decision": report.case.decision or None,
                }
                for report in reports
            ],
            "decisions_about_me": [
                {
                    "kind": case.kind,
                    "decision": case.decision,
                    "note": case.decision_note,
                    "decided_at": case.decided_at,
                    "appeal": case.appeal_text or None,
                    "appealed_at": case.appealed_at,
                    "status": case.status,
                }
                for case in cases
            ],
        },
    )
