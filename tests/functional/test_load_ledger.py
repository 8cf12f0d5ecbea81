"""A small, fast version of the load test's ledger check (bench/load.py; the heavy runs are
benchmark commands, figures in docs/reliability.md).

Real gunicorn workers on loopback, a dozen clients that mostly write (review submissions with
idempotency keys, flags, responses, sign-ins) while a worker is SIGKILLed mid-run: afterwards every
acknowledged submission is in the database exactly once, no review is partial, and nothing answered
5xx. On SQLite always; on PostgreSQL too where TEST_POSTGRES_URL names a server (the test makes and
drops a database of its own there).
"""

from __future__ import annotations

import os
import shutil

import pytest

from bench import load


def _postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL", "")
    if not url:
        if os.environ.get("HEARDBACK_REQUIRE_POSTGRES"):
            pytest.fail("HEARDBACK_REQUIRE_POSTGRES is set but TEST_POSTGRES_URL is not")
        return None
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL") or "memory://"


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_every_acknowledged_write_is_stored_once_through_a_worker_kill(database):
    if shutil.which("gunicorn", path=os.path.dirname(os.sys.executable)) is None:
        pytest.fail("gunicorn is not installed in this environment (requirements.txt has it)")
    if database == "sqlite" and os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        # CI's PostgreSQL pass (.ci/run step 3): the SQLite variant ran in the SQLite pass.
        pytest.skip("the SQLite ledger check runs in the suite's SQLite pass")
    admin = _postgres_admin_url()
    if database == "postgres" and admin is None:
        pytest.skip("set TEST_POSTGRES_URL to run the ledger check on PostgreSQL")
    options = load.options_for(
        [],
        database=database,
        workers=2,
        clients=12,
        duration=10,
        cheap_hashing=True,
        fault="worker-kill",
        employers=80,
        reviews=800,
        write_share=0.5,
        postgres=admin or load.POSTGRES,
        redis=_redis_url(),
    )
    result = load.run(options)
    check = result.check
    statuses = [outcome.status for outcome in result.outcomes]

    assert result.events, "no worker was killed: the fault did not run"
    assert check.acknowledged >= 5, "too few submissions were acknowledged to check anything"
    assert check.missing == 0
    assert check.duplicated == 0
    assert check.found_once == len(set(load_keys(result)))
    assert check.partial_reviews == 0
    assert check.flags_missing == 0 and check.responses_missing == 0
    assert [status for status in statuses if status >= 500] == []
    # Reads went on too, and were answered.
    assert sum(1 for outcome in result.outcomes if outcome.kind == "employer page") > 0


def load_keys(result) -> list[str]:
    return [key for ledger in result.ledgers for key in ledger.reviews]
