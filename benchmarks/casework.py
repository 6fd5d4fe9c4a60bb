"""Letters and the evidence pack on the synthetic 2,000-pupil school, as the attendance lead waits
for them: `python benchmarks/casework.py DIR` where DIR holds a school.sqlite kept by
`benchmarks/figures.py --keep DIR` (or `benchmarks/run.py --keep DIR`). Works on a copy.

Measures: about 200 letters issued in one batch (numbered, logged, each page's SHA-256 kept); a
pupil's letters issued and posted, then the full referral evidence pack with the checklist, the
register, the chronology, the certificate (or what blocks it) and the stored pages of every
letter issued appended; and, as a floor, reportlab's bare rate for the same number of pages."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attendance_desk.services.figures import pupil_figures  # noqa: E402
from attendance_desk.services.letters import make_letters, record_posted  # noqa: E402
from attendance_desk.services.meetings import record_contact  # noqa: E402
from attendance_desk.services.pack import assemble_evidence_pack  # noqa: E402
from attendance_desk.store.db import open_store  # noqa: E402


def bare_pages(path: Path, pages: int) -> float:
    """reportlab alone: `pages` pages of a paragraph each (the floor for letters)."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    style = getSampleStyleSheet()["Normal"]
    story = []
    for n in range(pages):
        story += [
            Paragraph(f"Dear Parent/Carer, letter {n} " + "attendance matters. " * 60, style),
            PageBreak(),
        ]
    t0 = time.perf_counter()
    SimpleDocTemplate(str(path)).build(story)
    return time.perf_counter() - t0


def main() -> None:
    folder = Path(sys.argv[1])
    work = Path(tempfile.mkdtemp(prefix="ad-casework-"))
    path = work / "school.sqlite"
    shutil.copy(folder / "school.sqlite", path)
    today = date(2026, 7, 17)
    start = date(2025, 9, 1)
    t0 = time.perf_counter()
    store = open_store(path)  # brings an older copy up to date (not measured below)
    print(f"open (and upgrade) the copy: {time.perf_counter() - t0:.1f} s")
    pupils = store.pupils.on_roll_between(today, today)[:110]
    t0 = time.perf_counter()
    batch = make_letters(
        store,
        "stage1",
        pupils,
        today,
        "bench",
        work / "letters" / "batch.pdf",
        override_reason="benchmark: pupils taken as they come, not by stage",
    )
    took = time.perf_counter() - t0
    floor = bare_pages(work / "bare.pdf", batch.letters)
    print(
        f"{batch.letters} letters issued in one batch: {took:.2f} s ({took / batch.letters * 200:.2f} s per 200; "
        f"target < 3 s); reportlab's bare pages, same count: {floor:.2f} s ({took / floor:.1f}x)"
    )
    severe = max(pupil_figures(store, start, today), key=lambda r: r.figures.unauthorised).pupil
    for template in ("stage1", "stage2", "formal_warning"):
        made = make_letters(
            store,
            template,
            [severe],
            today - timedelta(days=30),
            "bench",
            work / "letters" / f"{template}.pdf",
            override_reason="benchmark",
        )
        for letter in store.letters.for_pupil(severe.id)[-made.letters :]:
            record_posted(store, letter.id, today - timedelta(days=29), "bench")
    for n in range(40):
        record_contact(
            store,
            severe.upn,
            "call",
            "bench",
            at=datetime(2026, 1, 5, 9, 30).astimezone() + timedelta(days=n),
            outcome="Spoke to parent",
            contact_made=True,
            notes=f"call {n + 1}",
            today=today,
            late_reason="benchmark: calls entered after the event",
        )
    letters = len([x for x in store.letters.for_pupil(severe.id) if not x.void_reason])
    t0 = time.perf_counter()
    result = assemble_evidence_pack(store, severe.upn, today, work / "pack.pdf", "bench")
    took = time.perf_counter() - t0
    from pypdf import PdfReader

    pages = len(PdfReader(work / "pack.pdf").pages)
    print(
        f"evidence pack with {letters} letters appended ({pages} pages, a year's register, 40+ chronology "
        f"entries): {took:.2f} s (target < 2 s)"
    )
    print(
        f"  checklist: {len(result.checklist) - len(result.missing)} items met or not applicable, "
        f"{len(result.missing)} missing (a synthetic pupil's casework is thin)"
    )
    store.close()
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
