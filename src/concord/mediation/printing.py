"""What the printable agreement (调解协议书) needs beyond the record: its title by the kind of mediation,
Chinese numerals, the amount in capitals (大写) and the terms as numbered clauses. Pure functions."""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

TITLES = {
    "peoples": "人民调解协议书",
    "administrative": "行政调解协议书",
    "judicial": "调解协议书（诉前调解）",
}
# Who keeps the third copy, by the kind of mediation.
ISSUERS = {
    "peoples": "人民调解委员会",
    "administrative": "调解机关",
    "judicial": "调解组织",
}

_DIGITS = "零一二三四五六七八九"
_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_UNITS = ["", "拾", "佰", "仟"]
_CAPITAL_SECTIONS = ["", "万", "亿", "万亿"]
# A clause the mediator numbered already: "1.", "2、", "（3）", "一、"…
_LEADING_NUMBER = re.compile(r"^\s*[（(]?\s*(?:\d+|[一二三四五六七八九十]+)\s*[、.．)）:：]\s*")


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九; beyond 99 in Arabic numerals."""
    if n < 0 or n > 99:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def _capital_section(n: int) -> str:
    """0 < n < 10000 in capitals, with 零 for the gaps inside it."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _CAPITAL_DIGITS[digit] + _CAPITAL_UNITS[position]
    return text


def rmb_capitals(amount: Decimal) -> str:
    """¥12,003.50 → 壹万贰仟零叁元伍角; 100 → 壹佰元整; 0.05 → 伍分 (how contracts write amounts)."""
    cents = int((abs(Decimal(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    yuan, fraction = divmod(cents, 100)
    jiao, fen = divmod(fraction, 10)
    sections = []
    while yuan:
        yuan, section = divmod(yuan, 10000)
        sections.append(section)
    text, need_zero = "", False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or section < 1000):
            text += "零"
        text += _capital_section(section) + _CAPITAL_SECTIONS[index]
        need_zero = False
    if text:
        text += "元"
    if not jiao and not fen:
        return (text or "零元") + "整"
    if jiao:
        text += _CAPITAL_DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += _CAPITAL_DIGITS[fen] + "分"
    return text


def term_clauses(terms: str) -> list[str]:
    """The terms, one clause a line, without any numbering the mediator typed (the page numbers them)."""
    return [
        _LEADING_NUMBER.sub("", line).strip()
        for line in terms.splitlines()
        if _LEADING_NUMBER.sub("", line).strip()
    ]


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
