"""The tracker's words, in one place for forms and templates."""

from __future__ import annotations

from applications.models import ApplicationStatus, StepKind

STATUSES = {
    ApplicationStatus.to_apply: "To apply",
    ApplicationStatus.applied: "Applied",
    ApplicationStatus.in_process: "In process",
    ApplicationStatus.waiting: "Waiting for an answer",
    ApplicationStatus.decided: "Decided",
    ApplicationStatus.withdrawn: "Withdrawn",
}

STEP_KINDS = {
    StepKind.screen: "Screening call",
    StepKind.interview: "Interview",
    StepKind.assignment: "Assignment",
    StepKind.references: "References",
    StepKind.offer: "Offer",
    StepKind.rejection: "Rejection",
    StepKind.other: "Something else",
}

SORT_LABELS = {"next_action": "Next action", "employer": "Employer", "status": "Status"}
