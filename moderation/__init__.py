"""Flags, the moderation queue and its actions, legal notices, transparency (DESIGN.md §8)."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

# Each file registers its views on bp.
from moderation import flag_routes  # noqa: E402, F401, I001  (flags from users)
from moderation import routes  # noqa: E402, F401  (claims and representatives for moderators)
from moderation import queue_routes  # noqa: E402, F401  (the queue and moderator actions)
from moderation import notice_routes  # noqa: E402, F401  (legal notices)
from moderation import transparency_routes  # noqa: E402, F401  (/transparency)
from moderation import merge_routes  # noqa: E402, F401  (merging employers)
from moderation import audit  # noqa: E402, F401  (the append-only guard on the audit log)
