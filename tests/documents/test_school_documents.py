"""One school, one truth (issue 16 item 2): letter and form templates, support maps, the letterhead
logo and the head's signature live in the school's file, versioned with who and when; the install
folder is never written; an upgrade keeps every edit the school made."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
from datetime import date

import pytest
from PIL import Image

from attendance_desk.paths import app_root
from attendance_desk.services.letters import make_letters
from attendance_desk.services.school import ServiceError, support_map
from attendance_desk.services.school_documents import (
    document_content,
    document_history,
    list_documents,
    restore_shipped,
    save_document,
    set_logo,
)
from attendance_desk.services.stages import record_step
from attendance_desk.services.users import add_user, head_signature, set_signature
from attendance_desk.store import documents as store_documents
from attendance_desk.store.db import open_store
from tests.helpers import text_of

TODAY = date(2024, 11, 20)


def shipped_tree_digest() -> str:
    root = app_root()
    h = hashlib.sha256()
    for folder in (root / "letter_templates", root / "resources"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                h.update(str(path).encode() + path.read_bytes())
    return h.hexdigest()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (47, 93, 138)).save(out, format="PNG")
    return out.getvalue()


def test_a_new_school_holds_every_shipped_default_as_shipped(store):
    names = {(d.kind, d.name): d for d in list_documents(store)}
    shipped = store_documents.shipped_defaults()
    assert shipped and all((kind, name) in names for kind, name, _ in shipped)
    assert ("letter", "stage1") in names and ("form", "parenting_contract") in names
    assert ("support_map", "la_three_stage.toml") in names
    assert all(d.state == "as shipped" and d.version == 1 for d in names.values())
    stage1 = (app_root() / "letter_templates" / "stage1.txt.j2").read_bytes()
    assert document_content(store, "letter", "stage1") == stage1


def test_an_edited_letter_is_printed_versioned_and_audited(tmp_path, store):
    before = shipped_tree_digest()
    original = document_content(store, "letter", "stage1").decode()
    edited = original.replace(
        "Every day in school counts.", "At Northbridge every day in school counts."
    )
    version = save_document(store, "", "letter", "stage1", edited.encode(), "our head's wording")
    assert version == 2
    pupil = store.pupils.all()[0]
    record_step(store, pupil.upn, "entered", TODAY, "lead", "stage1", "weekly review")
    make_letters(store, "stage1", [pupil], TODAY, "lead", tmp_path / "l.pdf", preview=True)
    assert "At Northbridge every day in school counts." in text_of(tmp_path / "l.pdf")
    history = document_history(store, "letter", "stage1")
    assert [(v.version, v.state) for v in history] == [(1, "as shipped"), (2, "edited")]
    assert history[1].reason == "our head's wording"
    entry = [e for e in store.audit.entries() if e.action.startswith("school document")][-1]
    assert entry.action == "school document changed: letter template"
    assert entry.subject == "stage1" and entry.detail == "version 2: our head's wording"
    assert shipped_tree_digest() == before  # the install folder is never written
    # back to the shipped wording: a third version, marked as shipped
    assert restore_shipped(store, "", "letter", "stage1") == 3
    assert document_history(store, "letter", "stage1")[-1].state == "as shipped"
    assert document_content(store, "letter", "stage1").decode() == original


@pytest.mark.parametrize(
    "text, problem",
    [
        ("Name: Odd\nWhen: moon >= 1\nSubject: x\n\nHello", "stage1.txt.j2, line 2"),
        ("Subject: x\n\n{% if pupil.name %}never closed", "stage1.txt.j2, line 3"),
        ("   \n", "is empty"),
    ],
)
def test_a_broken_template_is_refused_naming_the_line_and_nothing_is_saved(store, text, problem):
    with pytest.raises(ServiceError, match=problem.replace(".", r"\.")):
        save_document(store, "", "letter", "stage1", text.encode(), "")
    assert len(document_history(store, "letter", "stage1")) == 1


def test_only_those_who_may_change_settings_edit_the_schools_documents(store):
    add_user(store, "", "Ann Admin", "admin", "a-good-password")
    add_user(store, "Ann Admin", "Olly Office", "office", "a-good-password")
    text = document_content(store, "letter", "stage1") + b"\nP.S."
    with pytest.raises(ServiceError, match="Olly Office is signed in as"):
        save_document(store, "Olly Office", "letter", "stage1", text, "")
    assert save_document(store, "Ann Admin", "letter", "stage1", text, "") == 2
    with pytest.raises(ServiceError, match="stored by the head"):
        save_document(store, "Ann Admin", "signature", "Ann Admin", png(), "")


def test_the_support_map_in_use_is_edited_in_the_file(store):
    name = store.settings.school().support_map
    text = document_content(store, "support_map", name).decode()
    assert support_map(store).stage("stage1").threshold == 4
    save_document(
        store, "", "support_map", name, text.replace("threshold = 4", "threshold = 5").encode()
    )
    assert support_map(store).stage("stage1").threshold == 5
    # a stage key pupils' stages refer to cannot disappear from the map in use
    renamed = text.replace('"stage1"', '"first"')
    with pytest.raises(ServiceError, match="pupils' stages refer to stage1"):
        save_document(store, "", "support_map", name, renamed.encode())
    with pytest.raises(ServiceError, match="not valid"):
        save_document(store, "", "support_map", name, b"stages = 3")
    assert support_map(store).stage("stage1").threshold == 5


def test_the_logo_and_the_heads_signature_are_kept_in_the_file_with_history(store):
    set_logo(store, "", png())
    with pytest.raises(ServiceError, match="PNG or JPEG"):
        set_logo(store, "", b"GIF89a...")
    assert document_history(store, "logo", "logo")[-1].recorded_by == ""
    add_user(store, "", "Ann Admin", "admin", "a-good-password")
    add_user(store, "Ann Admin", "Jo Harwood", "head", "a-good-password")
    first, second = png(), png() + b"\x00"
    set_signature(store, "Jo Harwood", first)
    set_signature(store, "Jo Harwood", second)
    assert head_signature(store, "Jo Harwood") == second
    history = document_history(store, "signature", "Jo Harwood")
    assert [v.recorded_by for v in history] == ["Jo Harwood", "Jo Harwood"]
    set_signature(store, "Jo Harwood", None)
    assert head_signature(store, "Jo Harwood") is None
    assert len(document_history(store, "signature", "Jo Harwood")) == 3
    with pytest.raises(sqlite3.IntegrityError, match="versioned"), store.write() as db:
        db.execute("UPDATE school_documents SET content = NULL WHERE kind = 'logo'")
    with pytest.raises(sqlite3.IntegrityError, match="history"), store.write() as db:
        db.execute("DELETE FROM school_documents WHERE kind = 'signature'")


def test_an_upgrade_keeps_the_schools_edits_and_brings_new_defaults(tmp_path, store, monkeypatch):
    edited = document_content(store, "letter", "stage1") + b"\nOur own closing line."
    save_document(store, "", "letter", "stage1", edited, "ours")
    path = store.path
    store.close()
    # the next version of Attendance Desk ships new wording for stage 1 and stage 2, and a new letter
    new_root = tmp_path / "new-version"
    shutil.copytree(app_root() / "letter_templates", new_root / "letter_templates")
    shutil.copytree(app_root() / "resources", new_root / "resources")
    for key in ("stage1", "stage2"):
        template = new_root / "letter_templates" / f"{key}.txt.j2"
        template.write_text(template.read_text() + "\nNew shipped sentence.\n")
    (new_root / "letter_templates" / "welcome_back.txt.j2").write_text(
        "Name: Welcome back\nSubject: Welcome back\n\nHello {{ pupil.name }}.\n"
    )
    monkeypatch.setattr(store_documents, "app_root", lambda: new_root)
    with open_store(path) as upgraded:
        assert document_content(upgraded, "letter", "stage1") == edited  # the school's edit kept
        assert document_content(upgraded, "letter", "stage2").endswith(b"New shipped sentence.\n")
        assert document_content(upgraded, "letter", "welcome_back").startswith(b"Name: Welcome")
        assert [v.state for v in document_history(upgraded, "letter", "stage2")] == [
            "as shipped",
            "as shipped",
        ]
        assert any(
            e.action == "school document: new shipped default" and "stage2" in e.subject
            for e in upgraded.audit.entries()
        )
        versions = len(document_history(upgraded, "letter", "stage2"))
    with open_store(path) as again:  # opening again changes nothing
        assert len(document_history(again, "letter", "stage2")) == versions


def test_an_existing_file_is_migrated_logo_and_signature_included(tmp_path, store):
    """A file from before m020: the documents are copied in, the logo path's image and the head's
    signature (kept on the user's row by m012) move into the versioned documents."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(png())
    with store.write() as db:  # the path as the settings held it then (m026 took it out)
        db.execute(
            "UPDATE settings SET value = json_set(value, '$.logo', ?) WHERE key = 'school'",
            (str(logo),),
        )
    add_user(store, "", "Ann Admin", "admin", "a-good-password")
    add_user(store, "Ann Admin", "Jo Harwood", "head", "a-good-password")
    path = store.path
    store.close()
    conn = sqlite3.connect(path)  # back to the file as the previous version left it
    conn.executescript(
        """
        DROP TRIGGER school_documents_no_update;
        DROP TRIGGER school_documents_no_delete;
        DROP TABLE school_documents;
        DELETE FROM _sqlite_migrations WHERE name IN
            ('m020_school_documents', 'm021_logo_in_the_file', 'm022_signatures_versioned');
        """
    )
    conn.execute(
        "UPDATE users SET signature = ? WHERE name = 'Jo Harwood'", (b"\x89PNG\r\n\x1a\nsig",)
    )
    conn.execute("PRAGMA user_version = 19")
    conn.commit()
    conn.close()
    logo_bytes = logo.read_bytes()
    with open_store(path) as migrated:
        assert document_content(migrated, "letter", "stage1")
        assert document_content(migrated, "logo", "logo") == logo_bytes
        assert head_signature(migrated, "Jo Harwood") == b"\x89PNG\r\n\x1a\nsig"
        assert migrated.query("SELECT count(*) FROM users WHERE signature IS NOT NULL")[0][0] == 0
    logo.unlink()  # the letterhead no longer depends on that PC's disk
    with open_store(path) as later:
        assert document_content(later, "logo", "logo") == logo_bytes


def test_opening_never_waits_on_another_pc_to_bring_in_new_defaults(tmp_path, store, monkeypatch):
    import time

    path = store.path
    store.close()
    new_root = tmp_path / "new-version"
    shutil.copytree(app_root() / "letter_templates", new_root / "letter_templates")
    shutil.copytree(app_root() / "resources", new_root / "resources")
    template = new_root / "letter_templates" / "stage2.txt.j2"
    template.write_text(template.read_text() + "\nNew shipped sentence.\n")
    monkeypatch.setattr(store_documents, "app_root", lambda: new_root)
    other_pc = sqlite3.connect(path)
    other_pc.execute("BEGIN IMMEDIATE")  # another PC is saving
    started = time.monotonic()
    with open_store(path) as opened:
        assert time.monotonic() - started < 3  # not the 10 s busy timeout
        assert len(document_history(opened, "letter", "stage2")) == 1  # left for the next open
    other_pc.rollback()
    other_pc.close()
    with open_store(path) as later:
        assert len(document_history(later, "letter", "stage2")) == 2
