"""Gap-free counters kept in a table, one row per key (certificate numbers per prefix, branch
and year; complaint receipts per year): the one way a number is taken, safe when many are
taken at once."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certify.core.extensions import db


def take_next(counter: type, **key: Any) -> int:
    """The next value of ``counter``'s row for ``key`` (the model has the key's columns and
    ``last_value``), taken atomically: the UPDATE locks the row until the transaction ends.
    The key's first use creates the row; a concurrent first use that loses the race takes the
    next value from the winner's row."""
    bump = (sa.update(counter)
            .where(*(getattr(counter, column) == value for column, value in key.items()))
            .values(last_value=counter.last_value + 1)
            .returning(counter.last_value))
    value = db.session.execute(bump).scalar_one_or_none()
    if value is not None:
        return value
    try:
        with db.session.begin_nested():
            db.session.add(counter(**key, last_value=1))
        return 1
    except IntegrityError:
        return db.session.execute(bump).scalar_one()
