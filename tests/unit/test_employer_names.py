"""Employer name normalisation (DESIGN.md §7)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from employers.services import create_employer, find_by_name, normalize_name
from extensions import db


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("ACME, Inc.", "acme"),
        ("Acme Corp", "acme"),
        ("Acme Corporation", "acme"),
        ("acme", "acme"),
        ("Zürich Widgets GmbH & Co. KG", "zurich widgets"),
        ("Société Générale S.A.", "societe generale"),
        ("  Big   Blue   Ltd  ", "big blue"),
        ("Co", "co"),  # a name that is only a suffix keeps it
        ("Ltd Ltd", "ltd"),
        ("O'Reilly Media", "oreilly media"),
        ("Booking.com", "bookingcom"),
        ("株式会社テスト", "株式会社テスト"),
    ],
)
def test_normalize_name(name, normalized):
    assert normalize_name(name) == normalized


def test_names_unique_after_normalising(app):
    create_employer("Acme, Inc.")
    db.session.commit()
    assert find_by_name("ACME Corp").name == "Acme, Inc."
    with pytest.raises(IntegrityError):
        create_employer("acme")
    db.session.rollback()


def test_slugs_are_unique(app):
    first = create_employer("Acme Widgets")
    second = create_employer("Acme Widgets Trading")
    third = create_employer("Acme-Widgets!!! Group")
    assert first.slug == "acme-widgets"
    assert len({first.slug, second.slug, third.slug}) == 3


@pytest.mark.parametrize(
    "lookalike",
    [
        "\u0410\u0441\u043c\u0435",  # wholly Cyrillic
        "Acm\u0435, Inc.",  # one Cyrillic letter
        "A\u200bcme",  # a zero-width space
        "\u0391cme",  # Greek capital alpha
    ],
)
def test_lookalikes_of_an_existing_name_are_that_name(app, lookalike):
    assert normalize_name(lookalike) == "acme"
    create_employer("Acme, Inc.")
    db.session.commit()
    assert find_by_name(lookalike).name == "Acme, Inc."
    with pytest.raises(IntegrityError):
        create_employer(lookalike)
    db.session.rollback()


def test_names_in_cyrillic_or_greek_proper_are_kept():
    assert normalize_name("\u042f\u043d\u0434\u0435\u043a\u0441") == (
        "\u044f\u043d\u0434\u0435\u043a\u0441"
    )
