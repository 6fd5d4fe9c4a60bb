"""The groups a pupil may belong to, declared once: SEN provision (the DfE's codes K and E), the yes/no
flags the MIS records (FSM, child protection plan, …) and the groups figures are compared by. Screens,
the workbook, documents, filters and imports all read them from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from attendance_desk.domain.people import Pupil

# SEN provision, as the DfE codes it (CTF, school census): K SEN support, E an EHC plan; none: blank
SEN_SUPPORT = "K"
EHCP = "E"
SEN_PROVISION = {SEN_SUPPORT: "SEN support", EHCP: "EHCP"}
NO_SEN = "No SEN"
# what an MIS export may hold: N (no SEN) is blank; S (a statement, before EHC plans) is now E
SEN_FROM_MIS = {"": "", "N": "", SEN_SUPPORT: SEN_SUPPORT, EHCP: EHCP, "S": EHCP}


def has_sen(pupil: Pupil) -> bool:
    """SEN support or an EHC plan."""
    return pupil.sen in SEN_PROVISION


def has_ehcp(pupil: Pupil) -> bool:
    return pupil.sen == EHCP


def sen_words(pupil: Pupil, none: str = "") -> str:
    return SEN_PROVISION.get(pupil.sen, none)


@dataclass(frozen=True)
class Flag:
    """A yes/no fact the MIS records about a pupil (a field of `Pupil`)."""

    field: str
    words: str  # in running text: "child protection plan"
    short: str  # in a column of flags: "CP"
    vulnerable: bool = (
        False  # shown among the reasons a pupil is called first (Pupil.vulnerable_reasons)
    )


FLAGS = (
    Flag("fsm", "FSM", "FSM"),
    Flag("cp_plan", "child protection plan", "CP", vulnerable=True),
    Flag("child_in_need", "child in need", "CIN", vulnerable=True),
    Flag("looked_after", "looked after", "LAC", vulnerable=True),
    Flag("young_carer", "young carer", "Young carer"),
    Flag("cme_concern", "previous missing-education concern", "CME", vulnerable=True),
)
FLAG_FIELDS = tuple(f.field for f in FLAGS)  # the yes/no columns of a pupils import and the store


def pupil_flags(pupil: Pupil, short: bool = False, vulnerable: bool = True) -> list[str]:
    """The pupil's groups in words (or short), FSM and SEN first; `vulnerable=False` leaves out those
    shown among the reasons the pupil is called first. A missing-education concern is not a group."""
    result = []
    for flag in FLAGS:
        if flag.field == "cme_concern" or (flag.vulnerable and not vulnerable):
            continue
        if getattr(pupil, flag.field):
            result.append(flag.short if short else flag.words)
        if flag.field == "fsm" and has_sen(pupil):
            result.append(sen_words(pupil))
    return result


@dataclass(frozen=True)
class Group:
    """A group figures are given for (dashboard, workbook, `stats --flag KEY`)."""

    key: str
    label: str
    member: Callable[[Pupil], bool]
    others: str | None = None  # the rest of the pupils, shown beside the group when named


GROUPS = (
    Group("fsm", "FSM", lambda p: p.fsm, "Not FSM"),
    Group("sen", "SEN support or EHCP", has_sen, NO_SEN),
    Group("ehcp", "EHCP", has_ehcp),
    Group("cp", "Child protection plan", lambda p: p.cp_plan),
    Group("cin", "Child in need", lambda p: p.child_in_need),
    Group("looked_after", "Looked after", lambda p: p.looked_after),
    Group("young_carer", "Young carer", lambda p: p.young_carer),
)
GROUP_FILTERS: dict[str, Callable[[Pupil], bool]] = {g.key: g.member for g in GROUPS} | {
    "vulnerable": lambda p: bool(p.vulnerable_reasons)
}
