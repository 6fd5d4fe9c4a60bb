import os
from datetime import date

import pytest

from attendance_desk.cli import main
from attendance_desk.domain.roles import check_password, hash_password
from attendance_desk.services.certificates import make_certificate
from attendance_desk.services.marks import amend_mark
from attendance_desk.services.school import ServiceError
from attendance_desk.services.users import add_user, sign_in
from attendance_desk.store.resources import common_passwords
from tests.helpers import add_pupil, make_school, put_marks

DAY = date(2024, 9, 10)


def test_passwords_are_scrypt_hashed_and_checked():
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert check_password("correct horse", stored) and not check_password("Correct horse", stored)
    with pytest.raises(ValueError, match="10 characters"):
        hash_password("short")
    for common in (
        "12345678",
        "password123",
        "Password1234",
        "qwertyuiop",
        "1234567890",
        "aaaaaaaaaaaa",
    ):
        with pytest.raises(ValueError, match="at least 10 characters|commonest passwords"):
            hash_password(common, common_passwords())


@pytest.fixture
def school(tmp_path):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N", (DAY, "PM"): "N"})
    with pytest.raises(ServiceError, match="first user must be an administrator"):
        add_user(store, "", "Office One", "office", "password1")
    add_user(store, "", "Admin", "admin", "admin-pass-1")
    add_user(store, "Admin", "Office One", "office", "office-pass-1")
    add_user(store, "Admin", "Head", "head", "head-pass-1")
    yield store, pupil
    store.close()


def test_roles_are_checked_in_the_services(tmp_path, school):
    store, pupil = school
    with pytest.raises(ServiceError, match="cannot manage users"):
        add_user(store, "Office One", "Sneaky", "admin", "password1")
    amend_mark(store, pupil.upn, DAY, "AM", "I", "mum rang", "Office One")  # the office may amend
    with pytest.raises(
        ServiceError, match="signed in as office, who cannot make letters, certificates"
    ):
        make_certificate(store, pupil.upn, date(2024, 9, 1), DAY, tmp_path / "c.pdf", "Office One")
    with pytest.raises(ServiceError, match="not a user of this school file"):
        amend_mark(store, pupil.upn, DAY, "PM", "I", "x", "somebody")
    assert not (tmp_path / "c.pdf").exists()
    with pytest.raises(ServiceError, match="name or password"):
        sign_in(store, "Head", "wrong-password")
    assert sign_in(store, "head", "head-pass-1").name == "Head"
    actions = [e.action for e in store.audit.entries()]
    assert "sign-in refused" in actions and "signed in" in actions


def test_only_the_head_gets_the_stored_signature(tmp_path, school):
    import io

    from PIL import Image
    from pypdf import PdfReader

    from attendance_desk.services.users import change_user, set_signature

    store, pupil = school
    png = io.BytesIO()
    Image.new("RGB", (300, 90), (255, 255, 255)).save(png, format="PNG")
    with pytest.raises(ServiceError, match="cannot sign certificates"):
        set_signature(store, "Admin", png.getvalue())  # the admin cannot store a signature
    with pytest.raises(ServiceError, match="PNG or JPEG"):
        set_signature(store, "Head", b"<svg/>")
    set_signature(store, "Head", png.getvalue())  # kept in the school file, not a path on disk
    assert store.users.signature("Head") == png.getvalue()
    add_user(store, "Admin", "Lead", "lead", "lead-pass-1")
    make_certificate(
        store, pupil.upn, DAY, DAY, tmp_path / "head.pdf", "Head"
    )  # the day the register has
    make_certificate(store, pupil.upn, DAY, DAY, tmp_path / "lead.pdf", "Lead")
    images = lambda path: sum(len(p.images) for p in PdfReader(path).pages)  # noqa: E731
    assert images(tmp_path / "head.pdf") == 1 and images(tmp_path / "lead.pdf") == 0
    assert "Signed: ____" in PdfReader(tmp_path / "lead.pdf").pages[-1].extract_text()
    # the attack: an administrator makes themselves head, or makes a new head, or takes over the head's account
    with pytest.raises(ServiceError, match="only administrator"):
        change_user(store, "Admin", "Admin", role="head")
    add_user(store, "Admin", "Admin Two", "admin", "second-admin-pass")
    with pytest.raises(ServiceError, match="change their own role"):
        change_user(store, "Admin", "Admin", role="head")
    add_user(store, "Admin", "Fake Head", "head", "fake-head-pass")
    make_certificate(store, pupil.upn, DAY, DAY, tmp_path / "fake.pdf", "Fake Head")
    assert (
        images(tmp_path / "fake.pdf") == 0
    )  # the real head's image belongs to the real head's account
    change_user(store, "Admin", "Head", password="taken-over-pass")
    assert (
        store.users.signature("Head") is None
    )  # a password set by someone else removes the signature
    make_certificate(store, pupil.upn, DAY, DAY, tmp_path / "taken.pdf", "Head")
    assert images(tmp_path / "taken.pdf") == 0
    assert "stored signature removed" in store.audit.entries()[-2].detail


def test_command_line_needs_the_password_once_users_exist(school, monkeypatch, capsys):
    store, pupil = school
    db = str(store.path)
    monkeypatch.delenv("ATTENDANCE_DESK_PASSWORD", raising=False)
    assert main(["--db", db, "--as", "Office One", "stats"]) == 1
    assert "ATTENDANCE_DESK_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", "office-pass-1")
    assert main(["--db", db, "--as", "Office One", "history", "--upn", pupil.upn]) == 0
    assert (
        main(["--db", db, "--as", "Office One", "user", "list"]) == 1
    )  # the list of users is for the admin
    assert "cannot manage users" in capsys.readouterr().err
    monkeypatch.setenv("ATTENDANCE_DESK_NEW_PASSWORD", "another-pass")
    assert (
        main(["--db", db, "--as", "Office One", "user", "add", "--name", "X", "--role", "lead"])
        == 1
    )
    assert "cannot manage users" in capsys.readouterr().err
    monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", "admin-pass-1")
    assert (
        main(["--db", db, "--as", "Admin", "user", "set", "--name", "Office One", "--disable"]) == 0
    )
    monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", "office-pass-1")
    assert main(["--db", db, "--as", "Office One", "stats"]) == 1
    assert os.environ["ATTENDANCE_DESK_PASSWORD"]
