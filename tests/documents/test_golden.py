"""Golden files: a stage 2 letter, the head's certificate and the first page of a referral pack,
made from the same school on the same day, must read and look as the files in tests/data/golden/
do. Two things are compared, so a change is caught whether it moves words or pixels:

- the words of the page with where each starts (x, y to the nearest point), from the PDF itself;
- the page drawn by poppler (pdftoppm, 40 dpi, grey PNG): at most 0.5 % of the pixels may differ by
  more than a quarter of the grey scale (fonts hinted slightly differently on another machine).

A deliberate change (new wording, a new layout): look at the new pages, then write the golden files
again with `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/documents/test_golden.py` and commit
them with the change. The creation date is fixed only in tests (tests/conftest.py sets reportlab's
`invariant`); a real PDF carries the day it was made, which the last test checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from attendance_desk.services.certificates import make_certificate
from attendance_desk.services.letters import make_letters
from attendance_desk.services.pack import assemble_evidence_pack
from attendance_desk.services.stages import record_step

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
TODAY = date(2024, 11, 20)
DPI = 40
GREY_STEP = 64  # a pixel "differs" when it is more than a quarter of the grey scale away
MOST_PIXELS_DIFFERENT = 0.005

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler")


def words_at(pdf: Path, page: int) -> list[list]:
    """Each piece of text on the page with the point where it starts: [x, y, text]."""
    found: list[list] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            found.append([round(x), round(y), text.strip()])

    PdfReader(pdf).pages[page].extract_text(visitor_text=visit)
    return found


def drawn(pdf: Path, page: int, out: Path) -> Path:
    """The page drawn as a grey PNG."""
    subprocess.run(
        ["pdftoppm", "-gray", "-png", "-r", str(DPI), "-f", str(page + 1), "-l", str(page + 1)]
        + ["-singlefile", str(pdf), str(out.with_suffix(""))],
        check=True,
    )
    return out.with_suffix(".png")


def _pixels(png: Path) -> tuple[tuple[int, int], bytes]:
    """Width, height and grey pixels of an image."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        return grey.size, grey.tobytes()


def compare(name: str, pdf: Path, page: int, tmp_path: Path) -> None:
    words = words_at(pdf, page)
    golden_words = GOLDEN / f"{name}.json"
    golden_image = GOLDEN / f"{name}.png"
    image = drawn(pdf, page, tmp_path / name)
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden_words.write_text(json.dumps(words, ensure_ascii=False, indent=0) + "\n", "utf-8")
        shutil.copyfile(image, golden_image)
    assert golden_words.exists(), f"no golden file: run with UPDATE_GOLDEN=1 to write {name}"
    expected = json.loads(golden_words.read_text("utf-8"))
    assert [w[2] for w in words] == [w[2] for w in expected], f"{name}: the wording changed"
    assert words == expected, f"{name}: the same words, placed differently"
    size, pixels = _pixels(image)
    golden_size, golden_pixels = _pixels(golden_image)
    assert size == golden_size, f"{name}: page size {size}, golden {golden_size}"
    different = sum(abs(a - b) > GREY_STEP for a, b in zip(pixels, golden_pixels, strict=True))
    assert different <= MOST_PIXELS_DIFFERENT * len(pixels), (
        f"{name}: {different} of {len(pixels)} pixels differ from {golden_image.name}"
    )


@needs_poppler
def test_stage2_letter_matches_its_golden_file(tmp_path, store):
    pupil = store.pupils.all()[0]
    record_step(store, pupil.upn, "entered", TODAY, "lead", "stage2", "weekly review")
    out = tmp_path / "letter.pdf"
    make_letters(store, "stage2", [pupil], TODAY, "lead", out)
    compare("letter-stage2", out, 0, tmp_path)


@needs_poppler
def test_certificate_matches_its_golden_file(tmp_path, store):
    pupil = store.pupils.all()[0]
    out = tmp_path / "certificate.pdf"
    make_certificate(store, pupil.upn, date(2024, 9, 2), date(2024, 10, 25), out, "head", TODAY)
    compare("certificate", out, 0, tmp_path)


@needs_poppler
def test_referral_pack_checklist_page_matches_its_golden_file(tmp_path, store):
    pupil = store.pupils.all()[0]
    record_step(store, pupil.upn, "entered", TODAY, "lead", "stage2", "weekly review")
    result = assemble_evidence_pack(store, pupil.upn, TODAY, tmp_path / "pack.pdf", "lead")
    compare("pack-checklist", result.out, 0, tmp_path)


def test_a_real_pdf_carries_the_day_it_was_made(tmp_path, store, monkeypatch):
    """Outside tests reportlab's `invariant` is off: the creation date is the real one."""
    from reportlab import rl_config

    monkeypatch.setattr(rl_config, "invariant", 0)
    pupil = store.pupils.all()[0]
    out = tmp_path / "certificate.pdf"
    make_certificate(store, pupil.upn, date(2024, 9, 2), date(2024, 10, 25), out, "head", TODAY)
    made = PdfReader(out).metadata.creation_date
    assert made is not None and made.date() == date.today()
    import attendance_desk.documents.layout as layout

    assert "invariant" not in Path(layout.__file__).read_text("utf-8")
