"""A retention removal through the service (services/privacy.py `archive_and_remove`) on either
engine: the pupil's rows go, the archive is written, and the audit entry says what is true of where
the removed rows' bytes are: on the file, overwritten (secure_delete) and the file compacted
(tests/trust/test_retention_erase.py reads the file's bytes); on a server, removed from the
school's database with the server's storage reclaimed by its own maintenance (the program cannot
VACUUM there: only the tables' owner may). On a server the removal is IT's, run as the owner; a
PC's login is refused before anything is archived."""

from __future__ import annotations

from datetime import date

import pytest

from attendance_desk.services.check import check_school
from attendance_desk.services.privacy import archive_and_remove
from attendance_desk.services.school import ServiceError
from attendance_desk.store.chain import RECORD_TABLES
from tests.engines import current_engine
from tests.helpers import add_pupil, make_school, put_marks, sessions
from tests.postgres.owner import owner_store


def test_a_removal_says_truly_where_the_removed_rows_went(tmp_path):
    store = make_school(tmp_path, terms=(), closures=())
    try:
        gone = add_pupil(store, 1, surname="Gone", leaving_date=date(2018, 7, 20))
        stays = add_pupil(store, 2, surname="Stays")
        put_marks(store, gone, sessions(date(2017, 9, 11), date(2017, 9, 22), "N"))
        store.marks.amend(gone.id, date(2017, 9, 12), "AM", "I", None, "mum phoned", "office")
        put_marks(store, stays, sessions(date(2024, 9, 9), date(2024, 9, 13), "/"))
        remover = store
        if store.on_server:  # IT's, as the owner: the PC's login is refused, nothing archived
            with pytest.raises(ServiceError, match="done by IT, connected as the database's owner"):
                archive_and_remove(store, date(2026, 11, 24), tmp_path / "archive", "admin")
            assert not (tmp_path / "archive").exists()
            _, server = current_engine()
            remover = owner_store(store, server)
        try:
            removed = archive_and_remove(remover, date(2026, 11, 24), tmp_path / "archive", "admin")
        finally:
            if remover is not store:
                remover.close()
        assert removed == [gone.upn]
        assert (tmp_path / "archive" / f"archive-{gone.upn}-2026-11-24.zip").is_file()
        for table in RECORD_TABLES:
            assert not store.query(f"SELECT 1 FROM {table} WHERE pupil_id = ?", (gone.id,)), table
        assert store.marks.count() == 10
        actions = [e.action for e in store.audit.entries()]
        assert "retention: compaction postponed" not in actions
        entry = store.audit.entries()[-1]
        assert entry.action == "retention: pupils removed"
        assert "1 pupils" in entry.detail and "20 marks" in entry.detail
        assert "1 mark history" in entry.detail
        if store.engine.name == "sqlite":
            assert entry.detail.endswith(
                "deleted content overwritten (secure_delete) and the file compacted"
            )
        else:
            assert "secure_delete" not in entry.detail and "compacted" not in entry.detail
            assert entry.detail.endswith(
                "removed from the school's database; the server's storage of the deleted rows is "
                "reclaimed by its own maintenance (autovacuum, or VACUUM by IT), and its "
                "write-ahead log and backups keep them until IT's retention of those ends"
            )
        problems = [p for p in check_school(store).problems if "missing mark" not in p]
        assert problems == []
    finally:
        store.close()
