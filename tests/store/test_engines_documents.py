"""A new shipped default brought into a school on either engine (store/documents.py
`refresh_shipped`, docs/server.md step 5): a document still at its shipped default moves to the new
one, a document the school edited is kept as the school has it, a new default is copied in, and
nothing moves twice. (Its query read a bare column beside max(), which PostgreSQL refuses.)"""

from __future__ import annotations

import shutil

from attendance_desk.paths import app_root
from attendance_desk.store.documents import (
    LETTER,
    SHIPPED_BY,
    refresh_shipped,
    shipped_is_current,
)

AT = "2026-11-26T07:00:00Z"


def _install(tmp_path):
    root = tmp_path / "install"
    shutil.copytree(app_root() / "letter_templates", root / "letter_templates")
    (root / "resources").mkdir()
    shutil.copy(app_root() / "resources" / "support_map.toml", root / "resources")
    if (app_root() / "resources" / "support_maps").is_dir():
        shutil.copytree(
            app_root() / "resources" / "support_maps", root / "resources" / "support_maps"
        )
    return root


def _versions(store, name):
    return [
        (r[0], r[1], bytes(r[2]) if r[2] is not None else None)
        for r in store.query(
            "SELECT version, recorded_by, content FROM school_documents "
            "WHERE kind = ? AND name = ? ORDER BY version",
            (LETTER, name),
        )
    ]


def test_a_new_shipped_default_is_brought_in_on_both_engines(school_store, tmp_path):
    store = school_store
    root = _install(tmp_path)
    assert shipped_is_current(store.engine, root)
    with store.write():
        assert refresh_shipped(store.engine, AT, root) == []  # nothing new: nothing moves
    # the school edits one letter; the next program ships new wording for it and for another
    edited = _versions(store, "lateness1")
    assert [v[:2] for v in edited] == [(1, SHIPPED_BY)]
    with store.write():
        store.documents.save(LETTER, "lateness1", b"Our own wording", "lead", AT, "our wording")
    (root / "letter_templates" / "lateness1.txt.j2").write_text("New shipped lateness 1")
    (root / "letter_templates" / "lateness2.txt.j2").write_text("New shipped lateness 2")
    (root / "letter_templates" / "brand_new.txt.j2").write_text("A letter the school lacks")
    assert not shipped_is_current(store.engine, root)
    with store.write():
        changed = refresh_shipped(store.engine, AT, root)
    assert changed == ["letter lateness2: the shipped default changed (version 2)"]
    assert _versions(store, "lateness2")[-1] == (2, SHIPPED_BY, b"New shipped lateness 2")
    assert [v[2] for v in _versions(store, "lateness1")][-1] == b"Our own wording"  # kept
    assert _versions(store, "brand_new") == [(1, SHIPPED_BY, b"A letter the school lacks")]
    assert shipped_is_current(store.engine, root)
    with store.write():
        assert refresh_shipped(store.engine, AT, root) == []  # once only
