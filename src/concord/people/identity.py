"""Resident identity numbers (GB 11643-1999): validation, 15→18 upgrade, birth date and sex.

Pure functions, no Django: used by forms, imports and linkage alike.
"""

import datetime as dt
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＸｘＺ", "0123456789XxZ")


class InvalidIdNumber(ValueError):
    """Carries a short machine code (`reason`) the caller translates."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    upgraded_from_15: bool = False


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _birth_date(digits: str) -> dt.date:
    try:
        return dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError as exc:
        raise InvalidIdNumber("birth_date") from exc


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise an ID number typed by a person.

    Accepts spaces, full-width digits and a lower-case x. A 15-digit (first-generation) number is
    upgraded to 18 digits. Raises InvalidIdNumber with reason "format", "birth_date" or "checksum".
    """
    text = "".join(raw.translate(_FULL_WIDTH).split()).upper()
    upgraded = False
    if len(text) == 15 and text.isdigit():
        body = text[:6] + "19" + text[6:]
        text = body + check_digit(body)
        upgraded = True
    elif len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise InvalidIdNumber("format")
    born = _birth_date(text[6:14])
    today = today or dt.date.today()
    if born > today or born.year < 1900:
        raise InvalidIdNumber("birth_date")
    if not upgraded and check_digit(text[:17]) != text[17]:
        raise InvalidIdNumber("checksum")
    return IdNumber(
        number=text,
        birth_date=born,
        sex="M" if int(text[16]) % 2 else "F",
        upgraded_from_15=upgraded,
    )
