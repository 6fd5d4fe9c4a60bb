"""The groups a pupil belongs to are declared once (domain/groups.py, issue 14 item 3)."""

import re
from pathlib import Path

from attendance_desk.domain.groups import (
    GROUP_FILTERS,
    SEN_FROM_MIS,
    has_ehcp,
    has_sen,
    pupil_flags,
    sen_words,
)
from attendance_desk.domain.people import Pupil

PACKAGE = Path(__file__).resolve().parents[2] / "attendance_desk"


def pupil(**fields) -> Pupil:
    return Pupil(1, "A123456789012", "Khan", "Amira", **fields)


def test_sen_provision_as_the_dfe_codes_it():
    # DfE school census: K = SEN support, E = education, health and care plan; S (statement) is now E
    assert has_sen(pupil(sen="K")) and not has_ehcp(pupil(sen="K"))
    assert has_sen(pupil(sen="E")) and has_ehcp(pupil(sen="E"))
    assert not has_sen(pupil())
    assert SEN_FROM_MIS["S"] == "E" and SEN_FROM_MIS["N"] == ""
    assert sen_words(pupil(sen="K")) == "SEN support"
    assert sen_words(pupil(), none="none recorded") == "none recorded"


def test_flags_in_words_and_short_FSM_and_SEN_first():
    amira = pupil(sen="E", fsm=True, cp_plan=True, young_carer=True, cme_concern=True)
    assert pupil_flags(amira) == ["FSM", "EHCP", "child protection plan", "young carer"]
    assert pupil_flags(amira, short=True) == ["FSM", "EHCP", "CP", "Young carer"]
    assert pupil_flags(amira, vulnerable=False) == ["FSM", "EHCP", "young carer"]


def test_the_filters_the_command_line_offers():
    assert set(GROUP_FILTERS) == {
        "fsm",
        "sen",
        "ehcp",
        "cp",
        "cin",
        "looked_after",
        "young_carer",
        "vulnerable",
    }
    assert GROUP_FILTERS["vulnerable"](pupil(social_worker="D. Whitfield"))


def test_the_sen_codes_are_spelt_in_one_place():
    spelt = re.compile(r"""\.sen\b[^\n]*["'][KE]["']|["'][KE]["'][^\n]*\.sen\b""")
    found = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "groups.py" and spelt.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
