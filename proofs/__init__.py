"""Proof of contact (DESIGN.md §12): a review backed by the employer's own DKIM-signed email.

The message is read in memory and discarded; only the signing domain, the kind of sender, the
message month and a keyed hash against reuse are kept (proofs.models).
"""

from flask import Blueprint

bp = Blueprint("proofs", __name__)
