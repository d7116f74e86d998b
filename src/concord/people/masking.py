"""Masked display of personal data (DESIGN §7): enough to tell records apart, not enough to use.

Pure functions, no Django. They never fail: whatever a person typed, something safe comes back.
"""

import re

_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＸｘＺ＋－", "0123456789XxZ+-")
_NON_DIGITS = re.compile(r"\D")
STAR = "*"


def mask_id_number(raw: str | None) -> str:
    """ "411603199001011234" → "411603********1234": the region code and the last four stay visible.

    The birth date (the middle eight of eighteen) is hidden. Numbers shorter than an ID number
    (passports, typing errors) show only their last two characters.
    """
    text = "".join((raw or "").translate(_FULL_WIDTH).split()).upper()
    if not text:
        return ""
    if len(text) >= 11:
        return text[:6] + STAR * (len(text) - 10) + text[-4:]
    if len(text) <= 2:
        return STAR * len(text)
    return STAR * (len(text) - 2) + text[-2:]


def _national_digits(text: str) -> str:
    digits = _NON_DIGITS.sub("", text)
    for country in ("0086", "86"):
        # +86 / 0086 before a mobile or an area code; a bare 86… landline local number is left alone.
        if digits.startswith(country) and len(digits) - len(country) in (10, 11, 12):
            rest = digits[len(country) :]
            if rest[0] == "1" and len(rest) == 11:
                return rest
            if rest[0] != "1":
                return rest if rest[0] == "0" else "0" + rest
    return digits


def mask_phone(raw: str | None) -> str:
    """ "13800138000" → "138****8000"; "0394-8234567" → "0394-***4567"; "8234567" → "***4567".

    A mobile keeps its first three and last four digits; a landline keeps its area code and the last
    four digits of the local number. Anything else keeps at most its last four digits.
    """
    text = (raw or "").translate(_FULL_WIDTH).strip()
    if not text:
        return ""
    digits = _national_digits(text)
    if len(digits) == 11 and digits[0] == "1":
        return f"{digits[:3]}****{digits[-4:]}"
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area_length = 3 if digits[1] in "12" else 4  # 010, 020–029 are the three-digit area codes
        area, local = digits[:area_length], digits[area_length:]
        return f"{area}-{STAR * (len(local) - 4)}{local[-4:]}"
    if len(digits) >= 7:
        return STAR * (len(digits) - 4) + digits[-4:]
    return STAR * max(len(digits), 4)


def mask_address(raw: str | None, *, keep: int = 6) -> str:
    """ "淮阳区城关镇东关村3组12号" → "淮阳区城关镇****": the district and township part stays, the house goes.

    At most `keep` leading characters and never more than half of the address are shown.
    """
    text = " ".join((raw or "").split())
    if not text:
        return ""
    shown = min(keep, len(text) // 2)
    return text[:shown] + STAR * 4
