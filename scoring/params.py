"""The parameters of the figures candidates see, in one place (DESIGN.md §6).

The methodology page shows these; a change here is a change to the published method. DESIGN.md §6
says the adversarial benchmark decides: measure a change with `bench/score_adversarial.py`
first, keep it only if the benchmark's figures improve, and record them in docs/scoring.md.

Pure constants: no Flask, no database (scoring.engine and scoring.rules import only this module
and scoring.vocabulary).
"""

from __future__ import annotations

# DESIGN.md §3: a waiting case with no contact for max(30, promised + 14) days is presumed ghosted
# (plus a secret few days per review, scoring.rules).
GHOSTED_AFTER_DAYS = 30
GHOSTED_AFTER_PROMISE_MARGIN_DAYS = 14

# The headline is the chance of hearing back (DESIGN.md §6). A review's value h: 1 when the
# employer communicated a decision unprompted, 0 for silence (ghosted, presumed ghosted, or an
# answer the candidate had to chase), and for an open case the chance of still hearing back by
# this day given the silence so far (from the site's Kaplan-Meier curve of days to decision).
HEAR_BACK_HORIZON_DAYS = 30

# Weights. Recency: None = every review counts the same whatever its age (the benchmark's
# "employers that change" worlds decide; see docs/scoring.md). Reviews older than MAX_AGE_DAYS
# are not counted.
HALF_LIFE_DAYS: int | None = None
MAX_AGE_DAYS = 4 * 365

# Account trust (DESIGN.md §6 "Fakes cannot buy a list"): a review submitted from an account
# younger than NEW_ACCOUNT_DAYS that had written no review of another employer is weighted by
# NEW_ACCOUNT_WEIGHT. Puppet accounts are new by definition; most honest reviewers are too, but
# the weight is the same for every employer, so it changes how fast an estimate leaves the
# site-wide figure, not the order of honest employers.
NEW_ACCOUNT_DAYS = 30
NEW_ACCOUNT_WEIGHT = 0.25

# New accounts' reviews at one employer together count at most NEW_ACCOUNT_CAP plus the weight
# of its established reviewers' reviews (scaled down together when over): however many fresh
# accounts report on an employer nobody established has, they weigh as one report. In the
# benchmark's full-size sweep a cap of 1 held every world's glowing shift under 10 points and
# raised Spearman's rho in every world (docs/scoring.md, decision 9). None: no cap.
NEW_ACCOUNT_CAP: float | None = 1.0

# Verified contact (DESIGN.md §12, proofs/): a review whose author proved the contact with the
# employer's DKIM-signed email is evidence a campaign of fresh accounts cannot obtain. Chosen with
# the adversarial benchmark, where honest candidates attach a proof with some probability and
# puppets never do (docs/scoring.md, decision 12):
# - VERIFIED_FULL_WEIGHT: it weighs like an established account's review (1, not
#   NEW_ACCOUNT_WEIGHT) and is not capped with the new accounts' reviews; it does not raise their
#   cap either (the cap's base stays the established accounts' weight: letting verified reviews
#   raise it moved campaigns' targets further in every world). In force: Spearman's rho rose
#   in every world, and campaigns moved their targets' estimates no further (within 0.1 point).
# - VERIFIED_ESTABLISHED: its author would also count among the established reviewers a shown
#   figure and the lists need. Measured, not in force: 23% more employers shown, but campaigns
#   then made a hidden figure appear, or gave a label, at more attacked employers (a fresh account
#   supplies the third author of "3 accounts, 2 established"), and one world's bands failed.
VERIFIED_FULL_WEIGHT = True
VERIFIED_ESTABLISHED = False

# Reporting-bias correction (DESIGN.md §6 and §12; scoring.bias; docs/scoring.md, decision 13).
# Candidates who were ghosted write more often than those who got an answer; reports tracked in
# My applications before the outcome was known (reviews.prospective) are free of that choice.
# B, the odds ratio of silence in the other (retrospective) reports against the prospective
# ones, is measured in the daily refresh, and a retrospective silent report weighs w/B in every
# estimate (μ included). Chosen with bench/reporting_bias.py:
# - BIAS_MIN_PROSPECTIVE: no correction (B = 1) below this many prospective reports with a
#   settled outcome, site-wide. At 50 the correction's own error of the site's rate (about 5
#   points) is already below the bias it removes once silence is reported 1.5 times as often.
# - BIAS_RANGE: B is held inside it. Below 1 ("silence under-reported") contradicts what the
#   correction is for, and in the benchmark it was noise every time it was measured.
# - BIAS_PER_INDUSTRY: an industry with BIAS_MIN_PROSPECTIVE_INDUSTRY prospective reports of its
#   own would use its own B. Measured, not in force: at the counts an industry will have for a
#   while its B is noisy, and the site-wide B was as accurate or more in almost every world,
#   including one where industries differ.
# - BIAS_PRIOR_SD (shrink log B toward 0) and BIAS_KEEP_WEIGHT (the same odds at the reports'
#   original weight, so an estimate leans on μ as before) were measured, not in force.
BIAS_CORRECTION = True
BIAS_MIN_PROSPECTIVE = 50
BIAS_MIN_PROSPECTIVE_INDUSTRY = 30
BIAS_PER_INDUSTRY = False
BIAS_RANGE = (1.0, 4.0)
BIAS_PRIOR_SD: float | None = None
BIAS_KEEP_WEIGHT = False
# The interval of B shown on the methodology page (normal on log B).
BIAS_INTERVAL_MASS = 0.95

# Shrinkage: estimate = (Σw·h + M·μ) / (Σw + M) with M = max(M̂, M_FLOOR), M̂ the
# method-of-moments ratio of within- to between-employer variance, in the units of w. The floor
# of 10 halved a glowing campaign's shift in the benchmark's bimodal world (23.6 → 10.9 points)
# for 0.01-0.02 of Spearman's rho (docs/scoring.md).
M_FLOOR = 10.0
# When the employers' rates vary no more than sampling noise explains, the between-employer
# variance estimate is ≤ 0; it is floored here, which makes M̂ very large (shrink almost fully).
BETWEEN_VARIANCE_FLOOR = 1e-6

# The page says an estimate "leans toward the site-wide figure" while that figure carries at least
# this share of it: M / (Σw + M) ≥ LEANS_FROM.
LEANS_FROM = 0.2

# The interval shown with the estimate: the central share of the Beta posterior.
INTERVAL_MASS = 0.8

# Estimates shrink toward their industry's μ from this many employers with reviews.
MIN_EMPLOYERS_FOR_INDUSTRY_MU = 200

# DESIGN.md §5.3 and §6, "shown when": a figure needs 3 counted reviews from 3 accounts.
MIN_N_SHOWN = 3.0
MIN_DISTINCT_AUTHORS_SHOWN = 3
# ... of which at least this many accounts were established when they wrote (not new, see
# NEW_ACCOUNT_DAYS): fresh accounts cannot make a figure appear. In the benchmark's full-size
# sweep, 0 / 1 / 2 let a campaign make a hidden figure appear at 29 / 16 / 1 of 120 attacked
# employers, for 31-35% fewer employers shown with 2 (docs/scoring.md, decision 10).
MIN_ESTABLISHED_AUTHORS_SHOWN = 2
# The lists: "most responsive" needs n ≥ 5 (Σw) over ≥ 30 days, "least responsive" n ≥ 10, and
# both need reviews from this many established accounts (not new, see above): breadth of
# independent evidence that a handful of fresh accounts cannot supply.
MIN_N_MOST_RESPONSIVE = 5.0
MIN_SPREAD_DAYS_MOST_RESPONSIVE = 30
MIN_N_LEAST_RESPONSIVE = 10.0
MIN_ESTABLISHED_AUTHORS_LISTS = 3
# Both lists take only employers on their side of the site's mean by this many SDs of their
# estimate (most: S - k·SD > μ; least: S + k·SD < μ): a list never names an employer whose range
# reaches the average.
LIST_MARGIN_SD = 1.5

# Verdict bands (scoring.engine.band_of), in percent, each given only when the whole 80%
# interval supports it: Responsive, interval at or above RESPONSIVE_FROM; Ghosts, interval under
# GHOSTS_BELOW; Often silent and Mixed, interval inside OFTEN_SILENT_RANGE or MIXED_RANGE [low,
# high); otherwise no label (the estimate and its interval are still shown). Chosen from the
# benchmark's calibration table (docs/scoring.md, decision 11): a band from the point estimate
# alone mixed true ghosts into "Often silent" at small employers in every world with a spread of
# employers. The ranges were found on seeds 1-5 (5 → 8 for Often silent's bottom on seeds 6-10)
# and are separated in every world on both sets of seeds; the earlier (15, (10, 55), (30, 85))
# failed in three worlds of four on seeds 6-10.
RESPONSIVE_FROM = 60
GHOSTS_BELOW = 10
OFTEN_SILENT_RANGE = (8, 45)
MIXED_RANGE = (25, 95)
NO_LABEL = "Too few reports for a label"

NOT_ENOUGH_REVIEWS = "not enough reviews yet"
