"""The store version is read in one statement (one snapshot), on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event

from data_access import queries


def test_store_version_is_one_statement(empty_store):
    """Two statements could straddle a writer's commit and give a torn version (new id, old time), which costs the
    screens a second query set for one change; one statement cannot."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(empty_store, "before_cursor_execute", count)
    try:
        version = queries.store_version(empty_store)
    finally:
        event.remove(empty_store, "before_cursor_execute", count)
    assert version == "0@-"
    assert len([s for s in statements if "report" in s]) == 1, statements
