"""The unit of work: the outermost block commits, inner blocks are savepoints, errors roll back."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.db import in_transaction_block, transaction


def _make_table(db: Session) -> None:
    db.execute(text("CREATE TEMP TABLE uow_probe (v int) ON COMMIT PRESERVE ROWS"))


def _values(db: Session) -> list[int]:
    return list(db.scalars(text("SELECT v FROM uow_probe ORDER BY v")))


def test_outer_block_commits_and_inner_error_rolls_back_only_the_savepoint(db: Session) -> None:
    _make_table(db)
    with transaction(db):
        assert in_transaction_block(db)
        db.execute(text("INSERT INTO uow_probe VALUES (1)"))
        with pytest.raises(ValueError), transaction(db):
            db.execute(text("INSERT INTO uow_probe VALUES (2)"))
            raise ValueError("inner fails")
        with transaction(db):
            db.execute(text("INSERT INTO uow_probe VALUES (3)"))
    assert not in_transaction_block(db)
    assert _values(db) == [1, 3]


def test_error_in_outer_block_rolls_back_everything(db: Session) -> None:
    _make_table(db)
    with transaction(db):
        db.execute(text("INSERT INTO uow_probe VALUES (1)"))
    with pytest.raises(RuntimeError), transaction(db):
        db.execute(text("INSERT INTO uow_probe VALUES (2)"))
        with transaction(db):
            db.execute(text("INSERT INTO uow_probe VALUES (3)"))
        raise RuntimeError("outer fails")
    assert _values(db) == [1]
    assert not in_transaction_block(db)
