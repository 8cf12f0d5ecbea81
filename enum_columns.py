"""Python enums stored as strings with a CHECK constraint (STYLE.md: typed models)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import mapped_column


def enum_values(enum_cls: type[enum.Enum]) -> str:
    """The SQL list of an enum's values, for a CHECK constraint."""
    return ", ".join(f"'{member.value}'" for member in enum_cls)


def enum_column(enum_cls: type[enum.Enum], **kwargs: Any):
    """A VARCHAR column holding the enum's value; the CHECK constraint is declared by the table.

    native_enum=False keeps the schema identical on SQLite and PostgreSQL; create_constraint=False
    because each table names its own CHECK (so migrations can alter it by name).
    """
    length = max(len(member.value) for member in enum_cls)
    column_type = SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )
    return mapped_column(column_type, **kwargs)
