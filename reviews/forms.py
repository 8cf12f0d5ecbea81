"""The review form: every field of DESIGN.md §4, with help in a candidate's words.

The required part comes first and takes a minute; the optional part is grouped so it is easy to
skip. Fields that only apply in some cases (decision days, promised days) are ignored when they
don't apply, so a value left in a hidden field never blocks a submission.
"""

from __future__ import annotations

import functools
import re
import secrets
from datetime import date

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    MonthField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

import countries
from forms import BaseForm, NoControlCharacters, clean_text, strip_value
from reviews.labels import (
    CHANNELS,
    CHASED,
    CHASED_BLANK,
    FEEDBACK,
    NEXT_STEPS,
    OUTCOMES,
    RESPECT,
    ROLE_CATEGORIES,
    SENIORITY,
    STAGES,
    STEP_CHOICES,
    TURNED_DOWN,
    TURNED_DOWN_BLANK,
    WORK_MODES,
    chased_choice,
    turned_down_choice,
)
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
from scoring.vocabulary import steps_mask, steps_of


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
    """The same list as the add-employer form's (countries.py), built once per process."""
    return (
        SelectChoice("", "Not saying"),
        *(SelectChoice(code, name) for code, name in countries.choices()),
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


class CheckboxesField(SelectMultipleField):
    """Tick any number of the choices. A value that isn't one of them (a tampered form) gets a
    message in the page instead of WTForms' "'x' is not a valid choice"."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {str(choice.value) for choice in self.choices}
        if any(value not in allowed for value in self.data or ()):
            raise ValidationError("Tick steps from the list shown here.")


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


MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# ASCII digits only ([0-9], not \d, which also matches other scripts' digits).
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_NUMERIC_MONTH = re.compile(r"([0-9]{1,2})\s*[/.-]\s*([0-9]{4})")
_NAMED_MONTH = re.compile(r"([a-z]+)\.?,?\s+([0-9]{4})")
MONTH_FORMAT_MESSAGE = "Enter the month as 2026-10 (or October 2026)."


def parse_month(raw: object) -> date | None:
    """The first day of the month typed, or None: what a month input sends ("2026-10") and what
    people type where the browser shows a plain text box ("10/2026", "10.2026", "Oct 2026",
    "october 2026"). English month names, any case."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    text = " ".join(raw.split()).lower()
    for pattern, year_at, month_at in ((_ISO_MONTH, 1, 2), (_NUMERIC_MONTH, 2, 1)):
        match = pattern.fullmatch(text)
        if match:
            year, month = int(match[year_at]), int(match[month_at])
            break
    else:
        match = _NAMED_MONTH.fullmatch(text)
        if not match or match[1] not in MONTH_NAMES:
            return None
        year, month = int(match[2]), MONTH_NAMES[match[1]]
    if not 1 <= year <= 9999 or not 1 <= month <= 12:
        return None
    return date(year, month, 1)


class FlexibleMonthField(MonthField):
    """A month, from a month input or typed by hand where the browser has none (parse_month);
    anything else gets a message showing the format expected, not "Not a valid date value."."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        # Several values for one name are joined, as WTForms does: two months are refused.
        raw = " ".join(value if isinstance(value, str) else "\ufffd" for value in valuelist)
        self.data = None
        if raw == "":
            return  # left to InputRequired, with its own message
        self.data = parse_month(raw)
        if self.data is None:
            raise ValueError(MONTH_FORMAT_MESSAGE)


SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class ReviewForm(BaseForm):
    # The idempotency key: made when the form is first shown, carried through the preview, and
    # stored with the review, so a retried or doubled "Publish" finds the review it created
    # (reviews.services.replayed) instead of adding a second one.
    submission_key = HiddenField(default=new_submission_key)

    # --- required ---
    process_month = FlexibleMonthField(
        "When did the process start?",
        validators=[InputRequired("Enter the month you applied or were first contacted.")],
        description="The month you applied or were first contacted, like 2026-10 or October "
        "2026. Only the month is kept.",
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
    steps = CheckboxesField(
        "Which other steps did you go through?",
        choices=[SelectChoice(stage.value, STAGES[stage][0]) for stage in STEP_CHOICES],
        coerce=str,
        validators=[Optional()],
        description="Tick every step that happened, for example a screening call, an interview "
        "and a writing exercise. Leave it empty if you'd rather not say.",
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
    turned_down_work = RadioField(
        "While you waited, did you turn down another offer or job?",
        choices=[
            *(SelectChoice(choice, label) for choice, (_, label) in TURNED_DOWN.items()),
            SelectChoice("", TURNED_DOWN_BLANK),
        ],
        default="",
        validators=[Optional()],
        invalid_choice_message="Choose one of the answers listed here.",
        description="Counted on the employer's page: what waiting cost candidates.",
    )

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
        beyond = [
            STAGES[step][0]
            for step in steps_of(self._steps_mask())
            if stage is not None and step.rank > stage.rank
        ]
        if beyond and not self.steps.errors:
            errors[self.steps] = (
                f"You ticked {', '.join(beyond)}, which comes after the furthest step you chose "
                "above: choose it as the furthest step, or untick it."
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

    def _steps_mask(self) -> int:
        """The ticked steps as a mask (unknown values left out; pre_validate reports them)."""
        known = {stage.value: stage for stage in STEP_CHOICES}
        return steps_mask(known[value] for value in self.steps.data or () if value in known)

    def values(self) -> dict:
        """The form as model values: enums, None for blanks, inapplicable fields dropped."""
        outcome = Outcome(self.outcome.data)
        stage = Stage(self.stage.data)
        ticked = self._steps_mask()
        next_steps = _enum(NextSteps, self.next_steps.data)
        return {
            "process_month": self.process_month.data.replace(day=1),
            "stage": stage,
            # Nothing ticked: not said. Otherwise the ticked steps and the furthest one.
            "steps": (ticked | steps_mask([stage])) if ticked else None,
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
            "turned_down_work": _turned_down(self.turned_down_work.data),
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
            elif name == "turned_down_work":
                value = turned_down_choice(value)
            elif name == "steps":
                # The furthest step is the stage's own radio button; the boxes hold the others.
                furthest = values.get("stage")
                value = [s.value for s in steps_of(value) if s in STEP_CHOICES and s != furthest]
            elif hasattr(value, "value"):
                value = value.value
            data[name] = value
        return data


def _chased(choice) -> bool | None:
    answer = CHASED.get(choice) if isinstance(choice, str) else None
    return answer[0] if answer else None


def _turned_down(choice) -> bool | None:
    answer = TURNED_DOWN.get(choice) if isinstance(choice, str) else None
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
