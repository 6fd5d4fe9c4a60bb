import pytest

from attendance_desk.domain.upn import InvalidUPN, is_valid_upn, make_upn, validate_upn


def test_dfe_example_and_the_widely_copied_wrong_one():
    assert validate_upn("b801200005001") == "B801200005001"
    assert is_valid_upn("P207000016049")
    with pytest.raises(InvalidUPN, match="check letter"):
        validate_upn("Q207000016049")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("B80120000500", "13 characters"),
        ("E000200005001", "local authority"),
        ("X80120000A001", "letter, 11 digits"),
    ],
)
def test_reasons_are_plain(value, reason):
    with pytest.raises(InvalidUPN, match=reason):
        validate_upn(value)


def test_made_upns_are_valid():
    assert all(is_valid_upn(make_upn(881, 2001, 24, n)) for n in range(1, 300))
