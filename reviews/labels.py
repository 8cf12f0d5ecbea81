"""The words a candidate sees for each value of a review (DESIGN.md §3-4): a label and, for the
choices that need one, a help text in a candidate's words. The form, the public card, the
moderation queue and the methodology page all read them here."""

from __future__ import annotations

from reviews.models import (
    ApplicationChannel,
    Feedback,
    NextSteps,
    Outcome,
    RoleCategory,
    Seniority,
    Stage,
    WorkMode,
)

STAGES = {
    Stage.applied: ("Applied", "You sent an application, and it went no further."),
    Stage.screen: ("Screening call", "A first call or chat with a recruiter or the hiring team."),
    Stage.interview: ("Interview", "At least one interview after the first screen."),
    Stage.assignment: (
        "Assignment",
        "A take-home task, work sample, writing exercise or presentation.",
    ),
    Stage.final: ("Final round", "The last round of interviews, often with senior people."),
    Stage.references: ("References", "They asked for your references or contacted them."),
    Stage.offer: ("Offer", "You were offered the job, or told you had been accepted."),
}

OUTCOMES = {
    Outcome.waiting: (
        "Still waiting",
        "No answer yet. You can record it now and update it later; we'll remind you.",
    ),
    Outcome.ghosted: (
        "Never heard back (ghosted)",
        "They never told you a decision, even when you chased them. At the offer stage: you "
        "were told you were accepted, then nothing. A decision you got only by chasing them (an "
        "offer withdrawn when you asked, 'it was a mistake') is that decision, with 'I only "
        "heard after I chased them' below; it counts as silence all the same.",
    ),
    Outcome.rejected: (
        "Turned down, no reason",
        "A 'no', but a template one, without a reason that was about you.",
    ),
    Outcome.rejected_with_feedback: (
        "Turned down, with a reason",
        "A 'no' with a personal reason or feedback you could learn from.",
    ),
    Outcome.offer: ("Offered the job", "They made you an offer."),
    Outcome.rescinded: (
        "Offer withdrawn",
        "An offer, or your acceptance, was explicitly taken back. If you only learned this when "
        "you chased them, still choose this and say so below: it counts as silence.",
    ),
    Outcome.withdrew: (
        "I withdrew",
        "You pulled out of the process yourself (not counted in the employer's score).",
    ),
}

# "Forced answers are silence" (DESIGN.md §6): did the decision come without the candidate chasing
# it? The form's values, the stored answer (Review.chased_for_decision) and the help text.
CHASED = {
    "told": (False, "Yes, they told me without my asking", None),
    "chased": (
        True,
        "No, I only heard after I chased them",
        "For example the offer was withdrawn only when I asked, or they said it had been a "
        "mistake.",
    ),
}
CHASED_BLANK = "Not saying"

# "While you waited, did you turn down another offer or job?" (Review.turned_down_work).
TURNED_DOWN = {
    "yes": (True, "Yes, I turned down other work while I waited"),
    "no": (False, "No"),
}
TURNED_DOWN_BLANK = "Not saying"
# Its card detail and its count on the employer page.
TURNED_DOWN_TEXT = "Turned down other work while waiting"


def turned_down_choice(value: bool | None) -> str:
    """The form's value for a stored answer ("" for none)."""
    for choice, (stored, _) in TURNED_DOWN.items():
        if value is stored:
            return choice
    return ""


# The steps a candidate can tick beside the furthest one (applying is every review's first step).
STEP_CHOICES = tuple(stage for stage in STAGES if stage is not Stage.applied)


def steps_text(stages) -> str:
    """'Screening call, Interview, References': the card's list of the steps reached."""
    return ", ".join(
        STAGES[stage][0] if i == 0 else STAGES[stage][0].lower() for i, stage in enumerate(stages)
    )


def chased_choice(value: bool | None) -> str:
    """The form's value for a stored answer ("" for none)."""
    for choice, (stored, _, _) in CHASED.items():
        if value is stored:
            return choice
    return ""


NEXT_STEPS = {
    NextSteps.yes_with_date: (
        "Yes, with a timeline",
        "For example 'you'll hear from us within a week'.",
    ),
    NextSteps.yes_vague: ("Yes, but vaguely", "For example 'we'll be in touch'."),
    NextSteps.no: ("No", "Nobody said what would happen next."),
}

FEEDBACK = {
    Feedback.none: ("None", "No feedback at all."),
    Feedback.generic: (
        "Generic",
        "A template reason, such as 'other candidates were a closer fit'.",
    ),
    Feedback.specific: ("Specific", "A reason about you that you could learn from."),
}

CHANNELS = {
    ApplicationChannel.online: "I applied online",
    ApplicationChannel.referral: "Someone referred me",
    ApplicationChannel.recruiter: "A recruiter reached out to me",
    ApplicationChannel.agency: "Through an agency",
    ApplicationChannel.career_fair: "At a career fair",
    ApplicationChannel.other: "Another way",
}

ROLE_CATEGORIES = {
    RoleCategory.engineering: "Engineering",
    RoleCategory.data: "Data & analytics",
    RoleCategory.product: "Product",
    RoleCategory.design: "Design",
    RoleCategory.marketing: "Marketing",
    RoleCategory.sales: "Sales",
    RoleCategory.customer_support: "Customer support",
    RoleCategory.operations: "Operations",
    RoleCategory.finance: "Finance",
    RoleCategory.people: "People & HR",
    RoleCategory.legal: "Legal",
    RoleCategory.healthcare: "Healthcare",
    RoleCategory.education: "Education",
    RoleCategory.research: "Research",
    RoleCategory.administration: "Administration",
    RoleCategory.trades: "Skilled trades",
    RoleCategory.other: "Other",
}

SENIORITY = {
    Seniority.intern: "Intern or apprentice",
    Seniority.entry: "Entry level",
    Seniority.mid: "Mid level",
    Seniority.senior: "Senior",
    Seniority.lead: "Lead",
    Seniority.manager: "Manager",
    Seniority.director: "Director",
    Seniority.executive: "Executive",
}

WORK_MODES = {WorkMode.onsite: "On site", WorkMode.hybrid: "Hybrid", WorkMode.remote: "Remote"}

RESPECT = {
    1: "1 (disrespectful)",
    2: "2",
    3: "3",
    4: "4",
    5: "5 (very respectful)",
}

# Each field's labels by value, for showing a stored value in words (the moderators' review page
# and its revisions).
BY_FIELD = {
    "stage": STAGES,
    "outcome": OUTCOMES,
    "next_steps": NEXT_STEPS,
    "feedback": FEEDBACK,
    "application_channel": CHANNELS,
    "role_category": ROLE_CATEGORIES,
    "seniority": SENIORITY,
    "work_mode": WORK_MODES,
    "respect_rating": RESPECT,
    "chased_for_decision": {stored: label for stored, label, _ in CHASED.values()},
}
