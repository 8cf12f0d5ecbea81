"""The review form: every field of DESIGN.md §4, with help in a candidate's words.

The required part comes first and takes a minute; the optional part is grouped so it is easy to
skip. Fields that only apply in some cases (decision days, promised days) are ignored when they
don't apply, so a value left in a hidden field never blocks a submission.
"""

from __future__ import annotations

import functools
import re
import secrets

import pycountry
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    MonthField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from forms import BaseForm, NoControlCharacters, clean_text, strip_value
from reviews.models import (
    DECISIONS,
    TEXT_LIMITS,
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

# DESIGN.md §6, "silence forced into an answer is silence": did the decision come without the
# candidate chasing it? The form's values, the stored answer (Review.chased_for_decision) and the
# help text.
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


def _choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    for member, label in labels.items():
        text = label[0] if isinstance(label, tuple) else label
        value = member.value if hasattr(member, "value") else str(member)
        choices.append(SelectChoice(value, text))
    return choices


def country_choices() -> list[SelectChoice]:
    return list(_country_choices())


@functools.cache
def _country_choices() -> tuple[SelectChoice, ...]:
    """Built once per process: sorting pycountry's list took ~3% of each submission."""
    countries = sorted(pycountry.countries, key=lambda country: country.name)
    return (
        SelectChoice("", "Not saying"),
        *(SelectChoice(country.alpha_2, country.name) for country in countries),
    )


def _blank_to_none(value):
    return None if value in ("", None) else value


class WholeNumberField(IntegerField):
    """An integer of at most six digits: longer input is refused before it is converted, so a
    pasted 400-digit number gets a message instead of overflowing date arithmetic."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip() if isinstance(valuelist[0], str) else valuelist[0]
        if raw in ("", None):
            self.data = None
            return
        if not isinstance(raw, str) or not re.fullmatch(r"[+-]?\d{1,6}", raw):
            self.data = None
            raise ValueError("Enter a whole number, like 7.")
        self.data = int(raw)


def _number(label: str, low: int, high: int, **kwargs) -> IntegerField:
    return WholeNumberField(
        label,
        validators=[
            Optional(),
            NumberRange(low, high, message=f"Enter a whole number from {low} to {high}."),
        ],
        render_kw={"inputmode": "numeric", "min": low, "max": high},
        **kwargs,
    )


def _optional_radio(label: str, labels: dict, **kwargs) -> RadioField:
    return RadioField(
        label,
        choices=_choices(labels),
        validators=[Optional()],
        filters=[_blank_to_none],
        validate_choice=True,
        **kwargs,
    )


def _select(label: str, labels: dict, blank: str = "Not saying", **kwargs) -> SelectField:
    # The blank choice is a real option (""), turned into None by ReviewForm.values().
    return SelectField(label, choices=_choices(labels, blank), default="", **kwargs)


SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class ReviewForm(BaseForm):
    # The idempotency key: made when the form is first shown, carried through the preview, and
    # stored with the review, so a retried or doubled "Publish" finds the review it created
    # (reviews.services.replayed) instead of adding a second one.
    submission_key = HiddenField(default=new_submission_key)

    # --- required ---
    process_month = MonthField(
        "When did the process start?",
        validators=[InputRequired("Enter the month you applied or were first contacted.")],
        description="The month you applied or were first contacted. Only the month is kept.",
    )
    stage = RadioField(
        "How far did you get?",
        choices=_choices(STAGES),
        validators=[InputRequired("Choose the furthest step you reached.")],
    )
    outcome = RadioField(
        "What did the employer finally do?",
        choices=_choices(OUTCOMES),
        validators=[InputRequired("Choose what happened in the end (or 'Still waiting').")],
    )
    last_contact_on = DateField(
        "When did you last hear from them?",
        validators=[InputRequired("Enter the date of your last contact with the employer.")],
        description="Kept private: the public only ever sees the month.",
    )
    decision_days = _number(
        "How many days after that contact did the decision come?",
        0,
        3650,
        description="Only for a decision (an offer, a 'no' or a withdrawn offer). "
        "0 if it came the same day.",
    )
    # Like decision_days, only for a decision: ignored (stored as not said) otherwise.
    chased_for_decision = RadioField(
        "Did they tell you before you chased them?",
        choices=[
            *(SelectChoice(choice, label) for choice, (_, label, _) in CHASED.items()),
            SelectChoice("", CHASED_BLANK),
        ],
        default="",
        validators=[Optional()],
        invalid_choice_message="Choose one of the answers listed here.",
        description="Only for a decision. An answer you had to chase them for counts as "
        "silence at that stage in the employer's figures, whatever it was.",
    )

    # --- the timeline and follow-ups ---
    next_steps = _optional_radio(
        "At the end of your last contact, were the next steps explained?", NEXT_STEPS
    )
    promised_days = _number(
        "Within how many days did they say you would hear?",
        1,
        365,
        description="For example 7 for 'within a week'.",
    )
    followups_sent = _number("How many times did you follow up?", 0, 100)
    followups_answered = _number("How many of those got an answer?", 0, 100)
    feedback = _optional_radio("Did you get feedback?", FEEDBACK)

    # --- the process ---
    interview_rounds = _number("Interview rounds", 0, 30)
    hours_invested = _number(
        "Hours you put in",
        0,
        1000,
        description="Interviews, preparation, assignments and travel, roughly.",
    )
    application_channel = _select("How did you apply?", CHANNELS)
    respect_rating = RadioField(
        "How respectfully were you treated?",
        choices=[SelectChoice(str(value), label) for value, label in RESPECT.items()],
        validators=[Optional()],
        coerce=lambda value: int(value) if value not in (None, "") else None,
    )

    # --- the role (shown publicly only where enough people reviewed the employer) ---
    role_category = _select("Kind of role", ROLE_CATEGORIES)
    seniority = _select("Seniority", SENIORITY)
    role_title = StringField(
        "Job title",
        filters=[clean_text, strip_value],
        validators=[
            Optional(),
            Length(max=TEXT_LIMITS["role_title"], message="Keep the title under 120 characters."),
            NoControlCharacters(),
        ],
        render_kw={"maxlength": TEXT_LIMITS["role_title"]},
    )
    show_role_title = BooleanField("Show the job title publicly")
    country = SelectField("Country of the job", default="")
    work_mode = _optional_radio("Work mode", WORK_MODES)

    # --- in your words ---
    narrative = TextAreaField(
        "What happened?",
        filters=[clean_text, strip_value],
        validators=[
            Optional(),
            Length(
                max=TEXT_LIMITS["narrative"],
                message="Keep it under 4,000 characters (it has %(length)d now).",
            ),
            NoControlCharacters(multiline=True),
        ],
        description="Describe roles, not people: 'the recruiter', not a name. Emails, phone "
        "numbers and links are removed automatically.",
        render_kw={"rows": 8, "maxlength": TEXT_LIMITS["narrative"]},
    )
    advice = TextAreaField(
        "Advice to the employer",
        filters=[clean_text, strip_value],
        validators=[
            Optional(),
            Length(max=TEXT_LIMITS["advice"], message="Keep it under 1,000 characters."),
            NoControlCharacters(multiline=True),
        ],
        render_kw={"rows": 3, "maxlength": TEXT_LIMITS["advice"]},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()

    # --- cross-field rules (DESIGN.md §4), each reported next to the field it's about ---

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_rules() and valid

    def _check_rules(self) -> bool:
        errors: dict = {}
        outcome = _enum(Outcome, self.outcome.data)
        stage = _enum(Stage, self.stage.data)
        if (
            outcome in DECISIONS
            and self.decision_days.data is None
            and not self.decision_days.errors
        ):
            errors[self.decision_days] = (
                "Enter how many days after your last contact the decision came."
            )
        if outcome in (Outcome.offer, Outcome.rescinded) and stage not in (None, Stage.offer):
            errors[self.stage] = (
                "An offer means you reached the 'Offer' stage: choose 'Offer' here, or a different "
                "outcome."
            )
        sent, answered = self.followups_sent.data, self.followups_answered.data
        if answered is not None and (sent is None or answered > sent):
            errors[self.followups_answered] = (
                "This can't be more than the number of follow-ups you sent."
            )
        feedback = _enum(Feedback, self.feedback.data)
        message = _feedback_problem(outcome, feedback)
        if message:
            errors[self.feedback] = message
        for field_, message in errors.items():
            field_.errors = [*field_.errors, message]
        return not errors

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            self[name].errors = [*self[name].errors, message]

    def key(self) -> str | None:
        """The submission key if it is well formed; a tampered one counts as none."""
        value = self.submission_key.data
        return value if isinstance(value, str) and SUBMISSION_KEY.fullmatch(value) else None

    def values(self) -> dict:
        """The form as model values: enums, None for blanks, inapplicable fields dropped."""
        outcome = Outcome(self.outcome.data)
        next_steps = _enum(NextSteps, self.next_steps.data)
        return {
            "process_month": self.process_month.data.replace(day=1),
            "stage": Stage(self.stage.data),
            "outcome": outcome,
            "last_contact_on": self.last_contact_on.data,
            "decision_days": self.decision_days.data if outcome in DECISIONS else None,
            "chased_for_decision": (
                _chased(self.chased_for_decision.data) if outcome in DECISIONS else None
            ),
            "next_steps": next_steps,
            "promised_days": (
                self.promised_days.data if next_steps is NextSteps.yes_with_date else None
            ),
            "followups_sent": self.followups_sent.data,
            "followups_answered": self.followups_answered.data,
            "feedback": _enum(Feedback, self.feedback.data),
            "interview_rounds": self.interview_rounds.data,
            "hours_invested": self.hours_invested.data,
            "application_channel": _enum(ApplicationChannel, self.application_channel.data),
            "role_category": _enum(RoleCategory, self.role_category.data),
            "seniority": _enum(Seniority, self.seniority.data),
            "role_title": self.role_title.data or None,
            "show_role_title": bool(self.show_role_title.data and self.role_title.data),
            "country": self.country.data or None,
            "work_mode": _enum(WorkMode, self.work_mode.data),
            "respect_rating": self.respect_rating.data,
            "narrative": self.narrative.data or None,
            "advice": self.advice.data or None,
        }

    @classmethod
    def data_from(cls, values: dict) -> dict:
        """Form data for an existing review's values (the edit form)."""
        data = {}
        for name, value in values.items():
            if name == "chased_for_decision":
                value = chased_choice(value)
            elif hasattr(value, "value"):
                value = value.value
            data[name] = value
        return data


def _chased(choice) -> bool | None:
    answer = CHASED.get(choice) if isinstance(choice, str) else None
    return answer[0] if answer else None


def _enum(enum_cls, value):
    if value in (None, ""):
        return None
    try:
        return enum_cls(value)
    except ValueError:
        return None


def _feedback_problem(outcome: Outcome | None, feedback: Feedback | None) -> str | None:
    if feedback is None or outcome is None:
        return None
    if outcome is Outcome.rejected_with_feedback and feedback is not Feedback.specific:
        return "You said they gave you a personal reason: choose 'Specific', or change the outcome."
    if outcome is Outcome.rejected and feedback is Feedback.specific:
        return (
            "Specific feedback means a 'no' with a reason: choose 'Turned down, with a reason' "
            "as the outcome."
        )
    if outcome in (Outcome.ghosted, Outcome.waiting) and feedback is not Feedback.none:
        return "Without a decision there can't be feedback yet: choose 'None' or leave it empty."
    return None
