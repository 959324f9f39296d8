"""Sign-in pauses are read from the audit log with a JSON field (the address a failure came
from): the same answers on SQLite and, in the scale-out pass, on PostgreSQL."""

from __future__ import annotations

import pytest

from kb import accounts

pytestmark = pytest.mark.scaleout


def test_failures_from_one_address_pause_it_whatever_the_names(fast_kb):
    with fast_kb.session() as session:
        for i in range(accounts.ADDRESS_TRIES - 1):
            accounts.failed_sign_in(session=session, name=f"name{i}", address="198.51.100.7")
        accounts.failed_sign_in(session=session, name="other", address="203.0.113.5")
        assert accounts.address_pause(session=session, address="198.51.100.7") is None
        accounts.failed_sign_in(session=session, name="last", address="198.51.100.7")
        pause = accounts.address_pause(session=session, address="198.51.100.7")
        assert pause is not None and 14 * 60 < pause.total_seconds() <= 15 * 60
        assert accounts.address_pause(session=session, address="203.0.113.5") is None
        assert accounts.address_pause(session=session, address="") is None


def test_an_attempt_counts_only_the_attempts_recorded_before_it(fast_kb):
    """Attempts sent at once are each recorded before their password is checked; the sixth waits."""
    with fast_kb.session() as session:
        attempts = [accounts.attempt_sign_in(session=session, name="pat", address="203.0.113.5")
                    for _ in range(accounts.SIGN_IN_TRIES + 1)]
        assert [pause is None for _, pause, _ in attempts] == [True] * accounts.SIGN_IN_TRIES + [False]
        assert attempts[-1][2] is False  # the name's pause, not the address's
        assert accounts.sign_in_pause(session=session, name="pat", address="203.0.113.5") is not None
