"""Unique Pupil Number validation, delegated to python-stdnum (DfE check-letter algorithm)."""

from __future__ import annotations

from stdnum import exceptions
from stdnum.gb import upn as _upn


class InvalidUPN(ValueError):
    pass


_REASONS = {
    exceptions.InvalidLength: "must be 13 characters",
    exceptions.InvalidFormat: "must be a letter, 11 digits and a final digit or letter",
    exceptions.InvalidComponent: "characters 2-4 are not a known local authority number",
    exceptions.InvalidChecksum: "the check letter does not match",
}


def validate_upn(value: str) -> str:
    """Return the UPN in its compact form, or raise InvalidUPN with a reason a person can act on."""
    try:
        return _upn.validate(value)
    except exceptions.ValidationError as exc:
        reason = next((text for kind, text in _REASONS.items() if isinstance(exc, kind)), str(exc))
        raise InvalidUPN(f"invalid UPN '{value}': {reason}") from None


def is_valid_upn(value: str) -> bool:
    return _upn.is_valid(value)


def make_upn(la: int, estab: int, year: int, serial: int) -> str:
    """Build a valid UPN (for synthetic demo data only): the check letter, then the LA number (3
    digits) and establishment number (4) of the school that allocated it, the year of allocation (2)
    and a serial within that school and year (3 digits: 000-999). The check letter is the DfE's:
    characters 2-13 weighted 2 to 13, summed, modulo 23, as a letter of ABCDEFGHJKLMNPQRTUVWXYZ."""
    if not (100 <= la <= 999 and 0 <= estab <= 9999 and 0 <= serial <= 999):
        raise ValueError(
            f"a UPN has a 3-digit LA number, a 4-digit establishment number and a 3-digit serial "
            f"(got LA {la}, establishment {estab}, serial {serial})"
        )
    body = f"{la:03d}{estab:04d}{year % 100:02d}{serial:03d}"
    return _upn.calc_check_digit(body) + body
