"""Reading a station's dispute ledger (矛盾纠纷排查台账) from an Excel workbook.

Real ledgers are typed by hand in many offices, so the reader is lenient about form and strict about
meaning:

- the sheet may start with a merged title row ("白楼派出所2022年5月矛盾纠纷排查台账") and notes; the
  header is found by its names, may span two rows with merged cells ("当事人" over 姓名/身份证号/电话),
  and uses any of the synonyms in `HEADER_SYNONYMS` (Concord's own export headers included);
- blank rows, subtotal rows (合计/小计/总计), notes (注：…, 填表人…), repeated headers and rows that
  only carry a pre-printed 序号 are skipped; a row that names only more parties (the next line of a
  vertically merged case) adds them to the case above;
- dates come as datetime cells, Excel serial numbers, 2022.5.3, 2022年5月8日, 2022/5/12, 2022-05-12,
  20220512 or 5月15日 (the year taken from the title);
- several parties may share one cell (、 与 和 , ; newlines, "等12人");
- an ID number stored as a number has lost its last digits in Excel: it is refused with a warning
  and the row is imported without it. An ID number typed as text must be valid; a masked one
  ("411603********1234") is withheld data, left out with a warning;
- when a ledger has both a narrative 化解情况 and a status column proper (处理状态, 状态), the
  status is read from the latter, as Concord's own export (reporting.ledger_export) writes both.

Everything here is pure: no database. `read_ledger` returns a `Ledger` of `LedgerRow`s, each cleaned
as far as the file alone allows, with the problems found (errors reject the row, warnings do not).
Resolving places, categories and owners against the database is `ledger_import`'s job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override

from concord.disputes.models import Level, Party, Status
from concord.disputes.services import ID_ERRORS, PartyInput
from concord.people.identity import InvalidIdNumber, parse_id_number
from concord.people.masking import mask_id_number
from concord.people.normalise import chinese_number, clean_text, normalise_phones

# --------------------------------------------------------------------------------------------------
# Columns

NUMBER = "number"
CASE_NUMBER = "case_number"
FOUND = "found"
BEGAN = "began"
CLOSED_ON = "closed_on"
TITLE = "title"
DESCRIPTION = "description"
PARTIES = "parties"
PARTIES_B = "parties_b"
ID_NUMBER = "id_number"
ID_NUMBER_B = "id_number_b"
PHONE = "phone"
PHONE_B = "phone_b"
ADDRESS = "address"
CATEGORY = "category"
PLACE = "place"
VILLAGE = "village"
GRID = "grid"
STATION = "station"
LEVEL = "level"
OWNER = "owner"
STATUS = "status"
PEOPLE = "people"
AMOUNT = "amount"
REMARKS = "remarks"

# Header names as ledgers write them → the column's meaning. Compared after `header_key` (width,
# case, blanks and line breaks folded); a name with a parenthesised unit ("涉及金额（万元）") also
# matches without it.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    NUMBER: ("序号", "编号", "序", "no", "no.", "ledger_no"),
    CASE_NUMBER: ("案件编号", "案号", "纠纷编号", "事件编号", "case_number"),
    FOUND: (
        "排查时间",
        "排查日期",
        "登记时间",
        "登记日期",
        "发现时间",
        "发现日期",
        "受理时间",
        "受理日期",
        "上报时间",
        "上报日期",
        "录入时间",
        "时间",
        "日期",
        "found_at",
    ),
    BEGAN: ("发生时间", "发生日期", "纠纷发生时间", "事发时间", "事发日期", "began_on"),
    CLOSED_ON: ("化解时间", "化解日期", "办结时间", "办结日期", "销号时间", "销号日期"),
    TITLE: ("事件名称", "纠纷名称", "标题", "title"),
    DESCRIPTION: (
        "简要情况",
        "纠纷简要情况",
        "矛盾纠纷简要情况",
        "基本情况",
        "纠纷基本情况",
        "简述",
        "简要案情",
        "主要内容",
        "事由",
        "纠纷事由",
        "内容",
        "description",
    ),
    PARTIES: (
        "当事人",
        "姓名",
        "当事人姓名",
        "双方当事人",
        "主要当事人",
        "纠纷当事人",
        "涉及当事人",
        "当事人基本情况",
        "当事人情况",
        "申请人",
        "当事人一方",
        "甲方",
        "parties",
    ),
    PARTIES_B: ("被申请人", "对方当事人", "当事人另一方", "另一方当事人", "乙方"),
    ID_NUMBER: ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "id_number"),
    PHONE: ("联系电话", "电话", "手机", "手机号", "手机号码", "电话号码", "联系方式", "phone"),
    ADDRESS: ("住址", "家庭住址", "现住址", "居住地址", "户籍地址", "address"),
    CATEGORY: (
        "纠纷类型",
        "类别",
        "纠纷类别",
        "类型",
        "矛盾类型",
        "矛盾纠纷类型",
        "纠纷种类",
        "事件类型",
        "category",
    ),
    PLACE: ("地点", "发生地点", "地址", "发生地", "纠纷发生地", "事发地点", "详细地址", "place"),
    VILLAGE: (
        "所在村(社区)",
        "所在村",
        "村(社区)",
        "村社区",
        "所属村",
        "所属村(社区)",
        "村居",
        "社区",
        "village",
    ),
    GRID: ("网格", "所属网格", "所在网格", "网格名称", "网格编码", "grid"),
    STATION: ("派出所", "所属派出所", "管辖派出所", "station"),
    LEVEL: ("风险等级", "等级", "级别", "风险级别", "纠纷等级", "预警等级", "level"),
    OWNER: ("责任人", "责任人及电话", "包案民警", "责任民警", "包案人", "主办民警", "owner"),
    STATUS: (
        "化解情况",
        "处置情况",
        "是否化解",
        "处理状态",
        "状态",
        "化解结果",
        "办理情况",
        "调处情况",
        "进展情况",
        "status",
    ),
    PEOPLE: ("涉及人数", "人数", "涉及人员", "people_involved"),
    AMOUNT: ("涉及金额", "金额", "标的额", "涉案金额", "amount_involved"),
    REMARKS: ("备注", "说明", "remarks"),
}

_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
_BLANKS = " \t\r\n\u3000\xa0" + _INVISIBLE


def header_key(text: Any) -> str:
    """'纠纷\\n类型', ' 纠纷类型 ', '所在村（社区）', 'No.' → comparable keys."""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in _INVISIBLE + "*:")


HEADER_ALIASES: dict[str, str] = {
    header_key(name): fld for fld, names in HEADER_SYNONYMS.items() for name in names
}
_PARENTHESES = re.compile(r"\([^)]*\)")


# Narrative columns that ledgers often fill with a status ("已化解，双方签订协议"). When the ledger
# also has a status column proper (处理状态, 状态…), that one is read, whichever comes first: Concord's
# own export writes the GB/T 31000 化解情况 (how it was resolved) before its 处理状态.
_SECONDARY_HEADERS: dict[str, frozenset[str]] = {
    STATUS: frozenset(
        header_key(name) for name in ("化解情况", "处置情况", "办理情况", "调处情况", "进展情况")
    ),
}


def _secondary(fld: str, text: Any) -> bool:
    return header_key(text) in _SECONDARY_HEADERS.get(fld, frozenset())


def header_field(text: Any) -> str | None:
    if text is None or not str(text).strip():
        return None
    key = header_key(text)
    return HEADER_ALIASES.get(key) or HEADER_ALIASES.get(_PARENTHESES.sub("", key))


# Parties and the fields that belong to each party, by side of the dispute.
PARTY_FIELDS = frozenset({PARTIES, PARTIES_B, ID_NUMBER, ID_NUMBER_B, PHONE, PHONE_B, ADDRESS})
_SIDE_B = {PARTIES: PARTIES_B, ID_NUMBER: ID_NUMBER_B, PHONE: PHONE_B}
PLACE_FIELDS = (GRID, VILLAGE, PLACE)
REQUIRED = (
    ((FOUND, BEGAN), gettext_lazy("a date (排查时间, 登记时间, 发现时间 or 发生日期)")),
    (PLACE_FIELDS, gettext_lazy("a place (地点, 所在村(社区) or 网格)")),
    (
        (PARTIES, DESCRIPTION, TITLE),
        gettext_lazy("the parties or a description (当事人, 简要情况)"),
    ),
)


# --------------------------------------------------------------------------------------------------
# Results


class LedgerUnreadable(Exception):
    """The file cannot be read as a ledger at all; nothing was imported."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth saying) about a row: the column as the file names it, and what."""

    field: str | None  # the header as written in the file; None for the row as a whole
    message: str

    def __str__(self) -> str:
        if self.field:
            return _("%(field)s: %(message)s") % {"field": self.field, "message": self.message}
        return self.message


@dataclass
class LedgerRow:
    """One case as the ledger gives it, cleaned but not yet resolved against the database."""

    sheet_row: int
    number: int | str  # the ledger's own 序号, or the sheet row when it has none
    numbered: bool
    labels: dict[str, str]
    found_at: dt.datetime | None = None  # naive; the importer applies the local time zone
    began_on: dt.date | None = None
    closed_on: dt.date | None = None
    case_number: str = ""
    title: str = ""
    description: str = ""
    parties: list[PartyInput] = field(default_factory=list)
    people_involved: int | None = None
    amount_involved: Decimal | None = None
    level: str | None = None
    category_text: str = ""
    status: str = Status.REGISTERED
    status_text: str = ""
    transferred_to: str = ""
    places: list[tuple[str, str]] = field(default_factory=list)  # (field, text), most precise first
    station_text: str = ""
    owner_text: str = ""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def label(self, fld: str) -> str:
        return self.labels.get(fld, fld)

    def error(self, fld: str | None, message: str) -> None:
        self.errors.append(Problem(self.label(fld) if fld else None, message))

    def warn(self, fld: str | None, message: str) -> None:
        self.warnings.append(Problem(self.label(fld) if fld else None, message))


@dataclass
class Ledger:
    file_name: str
    sha256: str
    sheet: str
    title: str  # the text above the header (title row, unit, period)
    year: int | None  # the year the title names, for dates written without one
    columns: dict[str, str]  # field → header as written
    rows: list[LedgerRow]
    warnings: list[Problem] = field(default_factory=list)  # about the file as a whole


# --------------------------------------------------------------------------------------------------
# Cells


def cell_text(value: Any) -> str:
    """A cell as text, trimmed of blanks (full-width and non-breaking spaces too)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value).strip(_BLANKS)


def _plain(value: Any) -> str:
    """Text for parsing: full-width forms folded (NFKC), blanks trimmed."""
    return unicodedata.normalize("NFKC", cell_text(value)).strip(_BLANKS)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(_BLANKS))


class CellError(ValueError):
    """What is wrong with one cell's value (the message is translated)."""


# --- dates -----------------------------------------------------------------------------------------

_FULL_DATE = re.compile(
    r"^(\d{4}|\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:时]\s*(\d{1,2})\s*分?(?:\s*:\s*(\d{1,2}))?)?"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*[日号]?")
_SERIAL_RANGE = (20000, 80000)  # 1954–2119 as Excel day numbers
EARLIEST = dt.date(2000, 1, 1)


def parse_date(
    value: Any,
    *,
    year: int | None,
    today: dt.date,
    epoch: dt.datetime | None = None,
) -> tuple[dt.datetime | None, str | None]:
    """A ledger date → (naive datetime or None when blank, a warning or None).

    Raises CellError for what is not a date, is impossible, lies in the future or before 2000.
    A date without a year takes `year` (the title's), else this year; if that is in the future, the
    year before — with a warning either way when the title did not give the year.
    """
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

    warning = None
    if _is_blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, dt.date):
        found = dt.datetime.combine(value, dt.time())
    elif isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a date.") % {"value": value})
    elif isinstance(value, int | float):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            found = from_excel(value, epoch or CALENDAR_WINDOWS_1900)
        elif isinstance(value, int) and _COMPACT_DATE.match(str(value)):
            found = _date_of(*_COMPACT_DATE.match(str(value)).groups())
        else:
            raise CellError(
                _("%(value)s is a number, not a date; write the date as 2022-05-12.")
                % {"value": cell_text(value)}
            )
    else:
        text = _plain(value)
        full = _FULL_DATE.match(text)
        compact = _COMPACT_DATE.match(text)
        month_day = _MONTH_DAY.match(text)
        if full:
            y, m, d, hh, mm, ss = full.groups()
            if len(y) == 2:
                y = f"20{y}"
            found = _date_of(y, m, d, hh, mm, ss)
        elif compact:
            found = _date_of(*compact.groups())
        elif month_day:
            m, d = month_day.groups()
            chosen = year or today.year
            found = _date_of(str(chosen), m, d)
            if found.date() > today:
                found = _date_of(str(chosen - 1), m, d)
            if year is None or found.year != year:
                warning = _("the date has no year; %(year)s was assumed.") % {"year": found.year}
        else:
            raise CellError(
                _("“%(value)s” is not a date; write it as 2022-05-12 or 2022年5月12日.")
                % {"value": text[:40]}
            )
    if found.date() > today:
        raise CellError(
            _("%(date)s is in the future.") % {"date": found.date().isoformat()},
        )
    if found.date() < EARLIEST:
        raise CellError(
            _("%(date)s is before %(earliest)s; is the year right?")
            % {"date": found.date().isoformat(), "earliest": EARLIEST.year}
        )
    return found, warning


def _date_of(y: str, m: str, d: str, hh=None, mm=None, ss=None) -> dt.datetime:
    try:
        return dt.datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError as exc:
        raise CellError(
            _("%(y)s-%(m)s-%(d)s is not a real date.") % {"y": y, "m": m, "d": d}
        ) from exc


# --- levels, statuses, numbers -------------------------------------------------------------------

# Words that name a level; a cell naming exactly one level's words is that level (DESIGN §3).
_LEVEL_EXACT = {
    Level.RED: ("a", "1", "i", "red", "红", "高"),
    Level.ORANGE: ("b", "2", "ii", "orange", "橙", "中"),
    Level.YELLOW: ("c", "3", "iii", "yellow", "黄", "低"),
}
_LEVEL_WORDS = {
    Level.RED: ("红", "重大", "一级", "1级", "a级", "高风险", "高", "red", "major"),
    Level.ORANGE: ("橙", "较大", "二级", "2级", "b级", "中风险", "中", "orange", "serious"),
    Level.YELLOW: ("黄", "一般", "三级", "3级", "c级", "低风险", "低", "yellow", "general"),
}


def parse_level(value: Any) -> str | None:
    """红/橙/黄, 重大/较大/一般, A/B/C, 一级/二级/三级, 高/中/低, red/orange/yellow, and Concord's
    labels ("红色（重大）") → a Level value; None when blank. Raises CellError when not understood."""
    text = clean_text(_plain(value))
    if not text:
        return None
    bare = text.removesuffix("风险").removesuffix("级").removesuffix("色").removesuffix("类")
    for level, words in _LEVEL_EXACT.items():
        if text in words or bare in words:
            return str(level)
    named = {level for level, words in _LEVEL_WORDS.items() if any(w in text for w in words)}
    if len(named) == 1:
        return str(named.pop())
    raise CellError(
        _(
            "Unknown risk level “%(value)s”; write 红/橙/黄, 重大/较大/一般, A/B/C or 一级/二级/三级."
        )
        % {"value": cell_text(value)[:40]}
    )


# Exact words first (Concord's own status labels included), then words found inside free text, in
# an order where the more specific wins ("未化解" before "化解", "待销号" before "销号").
_STATUS_EXACT: dict[str, str] = {
    **dict.fromkeys(
        ("已登记", "登记", "未化解", "待化解", "未解决", "否", "无"), Status.REGISTERED
    ),
    "已研判": Status.ASSESSED,
    "已交办": Status.ASSIGNED,
    **dict.fromkeys(
        ("化解中", "调处中", "调解中", "处置中", "正在调解", "正在化解"), Status.MEDIATING
    ),
    **dict.fromkeys(("已化解", "化解", "已调解", "调解成功", "已解决", "是"), Status.RESOLVED),
    **dict.fromkeys(("稳控", "已稳控", "稳控中"), Status.CONTAINED),
    **dict.fromkeys(("移交", "已移交", "移送", "已移送", "转交", "已转交"), Status.TRANSFERRED),
    "回访中": Status.FOLLOWING_UP,
    **dict.fromkeys(("待销号审批", "待销号"), Status.CLOSURE_REQUESTED),
    **dict.fromkeys(("已销号", "销号", "已办结", "办结", "已结案", "结案"), Status.CLOSED),
    "已重启": Status.REOPENED,
}


@lru_cache(maxsize=1)
def _status_words() -> dict[str, str]:
    """The exact words, plus Concord's own labels for every status in each language and its code."""
    words = dict(_STATUS_EXACT)
    for language in ("zh-hans", "en"):
        with override(language):
            words.update({clean_text(str(s.label)): s.value for s in Status})
    words.update({s.value: s.value for s in Status})
    return words


_STATUS_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("待销号",), Status.CLOSURE_REQUESTED),
    (("销号", "办结", "结案"), Status.CLOSED),
    (("未化解", "待化解", "未解决", "未调解", "尚未"), Status.REGISTERED),
    (("化解中", "调处中", "调解中", "处置中", "正在"), Status.MEDIATING),
    (("稳控",), Status.CONTAINED),
    (("移交", "移送", "转交"), Status.TRANSFERRED),
    (("回访",), Status.FOLLOWING_UP),
    (("已化解", "化解成功", "调解成功", "达成协议", "已解决", "已调解", "化解"), Status.RESOLVED),
)
_TRANSFER_TARGET = re.compile(r"(?:移交|移送|转交)(?:至|给|到)?([^,，。;；、\s]{2,40})")


def parse_status(value: Any) -> tuple[str | None, str]:
    """A status cell → (Status value or None when not understood, where a transferred case went).

    Blank is "registered": the case is still open.
    """
    text = clean_text(_plain(value))
    if not text:
        return Status.REGISTERED, ""
    status = _status_words().get(text)
    if status is None:
        status = next((s for words, s in _STATUS_WORDS if any(w in text for w in words)), None)
    target = ""
    if status == Status.TRANSFERRED:
        found = _TRANSFER_TARGET.search(cell_text(value))
        target = found.group(1) if found else ""
    return status, target


_COUNT = re.compile(r"(\d+|[零〇一二两三四五六七八九十]+)\s*(?:余|多)?\s*(?:人|名)?")


def parse_count(value: Any) -> int | None:
    """12, "12人", "十二人", "10余人" → a number of people; None when blank. CellError otherwise."""
    if _is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value >= 0 and float(value).is_integer():
            return int(value)
    else:
        found = _COUNT.search(_plain(value))
        number = chinese_number(found.group(1)) if found else None
        if number is not None:
            return number
    raise CellError(_("“%(value)s” is not a number of people.") % {"value": cell_text(value)[:40]})


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(亿|万|千|k|w)?")
_AMOUNT_UNITS = {"亿": 100_000_000, "万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000}
_NO_AMOUNT = frozenset({"无", "没有", "不涉及", "/", "-", "—", "0", "零"})


def parse_amount(value: Any, *, unit: int = 1) -> Decimal | None:
    """12000, "1.2万元", "约5千元", "¥3,000" → yuan; None when blank or 无. CellError otherwise.

    `unit` multiplies a bare number (a column headed "涉及金额（万元）" has unit 10000).
    """
    if _is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number, multiplier = Decimal(str(value)), unit
    else:
        text = _plain(value).lower().replace(",", "").replace("，", "")
        if text in _NO_AMOUNT:
            return None
        found = _AMOUNT.search(text)
        if not found:
            raise CellError(
                _("“%(value)s” is not an amount of money.") % {"value": cell_text(value)[:40]}
            )
        try:
            number = Decimal(found.group(1))
        except InvalidOperation as exc:  # pragma: no cover - the pattern only matches numbers
            raise CellError(str(exc)) from exc
        multiplier = _AMOUNT_UNITS.get(found.group(2) or "", unit)
    if number < 0:
        raise CellError(_("An amount cannot be negative."))
    amount = (number * multiplier).quantize(Decimal("0.01"))
    if amount >= Decimal("1e12"):
        raise CellError(_("%(value)s is too large for an amount.") % {"value": cell_text(value)})
    return amount or None


# --- categories ----------------------------------------------------------------------------------

# Short names ledgers use for the categories of DESIGN §3 (and a few sub-types), beyond the names and
# codes the database holds. Keys are category codes.
CATEGORY_ALIASES: dict[str, tuple[str, ...]] = {
    "family": ("婚恋家庭", "婚姻家庭", "家庭", "婚姻", "婚恋", "家事", "恋爱", "情感"),
    "family.elder_support": ("赡养", "赡养老人"),
    "family.inheritance": ("继承", "遗产"),
    "family.domestic_violence": ("家暴", "家庭暴力"),
    "neighbour": ("邻里", "邻居", "相邻", "相邻关系", "邻里关系"),
    "land": ("土地", "山林", "土地山林", "林地", "土地权属", "承包地", "土地承包"),
    "land.house_plot": ("宅基地",),
    "land.graves": ("坟地", "墓地"),
    "debt": ("债务", "经济", "经济债务", "借贷", "民间借贷", "债权债务", "欠款", "合同"),
    "labour": ("劳资", "劳动", "劳动争议", "欠薪", "讨薪", "工资", "拖欠工资", "工伤"),
    "medical": ("医疗", "医患"),
    "requisition": ("征地拆迁", "征地", "拆迁", "征迁", "安置"),
    "damages": ("损害赔偿", "赔偿", "交通事故", "人身损害", "财产损害"),
    "property": ("物业", "消费", "物业消费", "物业服务", "供暖", "停车"),
    "other": ("其他", "其它"),
}
_CATEGORY_SUFFIXES = ("纠纷", "矛盾", "问题", "争议", "类")


def category_key(text: str) -> str:
    key = clean_text(text)
    changed = True
    while changed:
        changed = False
        for suffix in _CATEGORY_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                key, changed = key[: -len(suffix)], True
    return key


def category_table(categories: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Keys a ledger may write → category code, from (code, Chinese name, English name) rows plus
    `CATEGORY_ALIASES`. Names in the database win over the built-in aliases."""
    table: dict[str, str] = {}
    for code, aliases in CATEGORY_ALIASES.items():
        for alias in aliases:
            table[category_key(alias)] = code
    for code, name, name_en in categories:
        for text in (code, name, name_en):
            if text:
                table[category_key(text)] = code
    return table


def match_category(value: Any, table: dict[str, str]) -> str | None:
    """The category code a ledger cell names: exactly, else the longest known name inside it."""
    key = category_key(_plain(value))
    if not key:
        return None
    if key in table:
        return table[key]
    inside = [alias for alias in table if len(alias) >= 2 and alias in key]
    return table[max(inside, key=len)] if inside else None


# --- grids -----------------------------------------------------------------------------------------

_GRID_NUMBER = re.compile(r"第?([0-9]+|[零〇一二两三四五六七八九十]+)(?:号)?网格")


def grid_key(text: str) -> str:
    """'东村第一网格', '东村第1网格', '东第1网格' → '东#1': grid names compared loosely."""
    key = clean_text(text)

    def number(found: re.Match) -> str:
        n = chinese_number(found.group(1))
        return f"#{n}" if n is not None else found.group(0)

    key = _GRID_NUMBER.sub(number, key)
    for word in ("社区居委会", "居委会", "村委会", "社区", "村"):
        key = key.replace(word, "")
    return key


# --- parties ---------------------------------------------------------------------------------------

_ROLE_LABELS = {
    "被申请人": Party.Role.RESPONDENT,
    "对方当事人": Party.Role.RESPONDENT,
    "乙方": Party.Role.RESPONDENT,
    "申请人": Party.Role.APPLICANT,
    "甲方": Party.Role.APPLICANT,
    "当事人": "",
}
_ROLE_LABEL = re.compile(r"(被申请人|对方当事人|申请人|当事人|甲方|乙方)\s*[:：]")
_MORE_PEOPLE = re.compile(
    r"等\s*(\d+|[零〇一二两三四五六七八九十]+)?\s*(?:余|多)?\s*(?:人|名)?\s*$"
)
_STRONG_SEPARATORS = re.compile(r"[、,，;；/|\n]+")
_CONJUNCTIONS = ("与", "和", "及", "同", "跟")
_DESCRIPTORS = re.compile(
    r"\d+\s*(?:周岁|岁)|(?<![\u3400-\u9fff])[男女](?![\u3400-\u9fff])|[0-9]+[Xx]?|[+\-:]"
)
_PARENTHESISED = re.compile(r"[(（\[【]([^)）\]】]*)[)）\]】]")
_ID_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")
MAX_NAME = 20


@dataclass
class _NamedParty:
    name: str
    role: str = ""
    ids: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


def _split_on(piece: str, separator: str) -> list[str]:
    parts = [p.strip() for p in piece.split(separator)]
    return parts if len(parts) > 1 and all(len(p) >= 2 for p in parts) else [piece]


def split_parties(value: Any) -> tuple[list[_NamedParty], int | None, list[str]]:
    """A parties cell → (parties, the "等12人" count or None, names that are not names).

    "张三、李四", "张三与李四", "张三和李四等12人", "张  三", "申请人：张三；被申请人：李四",
    "王某（411603…，138…）" all work. A conjunction (与, 和…) splits only when both sides are at least
    two characters long, so "张和平" stays one name.
    """
    text = unicodedata.normalize("NFKC", cell_text(value))
    if not text:
        return [], None, []
    count = None
    more = _MORE_PEOPLE.search(text)
    if more:
        count = chinese_number(more.group(1)) if more.group(1) else None
        text = text[: more.start()]
    text = _ROLE_LABEL.sub(lambda m: f"、{m.group(1)}:", text)
    # What is in brackets ("男，45岁，138…") belongs to the name before it: set it aside first, so
    # the commas inside do not split it.
    asides: list[str] = []

    def aside(found: re.Match) -> str:
        asides.append(found.group(1))
        return f"\x00{len(asides) - 1}\x00"

    text = _PARENTHESISED.sub(aside, text)
    parties: list[_NamedParty] = []
    odd: list[str] = []
    for chunk in _STRONG_SEPARATORS.split(text):
        role = ""
        chunk = chunk.strip()
        label = re.match(r"^(被申请人|对方当事人|申请人|当事人|甲方|乙方):", chunk)
        if label:
            role, chunk = _ROLE_LABELS[label.group(1)], chunk[label.end() :]
        details = " ".join(asides[int(i)] for i in re.findall(r"\x00(\d+)\x00", chunk))
        chunk = re.sub(r"\x00\d+\x00", " ", chunk)
        ids = [m.upper() for m in _ID_IN_TEXT.findall(chunk + " " + details)]
        phones = _MOBILE_IN_TEXT.findall(_ID_IN_TEXT.sub(" ", chunk + " " + details))
        chunk = _DESCRIPTORS.sub(" ", _ID_IN_TEXT.sub(" ", chunk)).strip()
        words = chunk.split()
        pieces = words if len(words) > 1 and all(len(w) >= 2 for w in words) else ["".join(words)]
        for separator in _CONJUNCTIONS:
            pieces = [p for piece in pieces for p in _split_on(piece, separator)]
        pieces = [p for p in pieces if p]
        named = [_NamedParty(name=name, role=role) for name in pieces if len(name) <= MAX_NAME]
        odd += [name for name in pieces if len(name) > MAX_NAME]
        if named and len(ids) == len(named) and len(named) > 1:
            for party, id_text in zip(named, ids, strict=True):
                party.ids = [id_text]
        elif named:
            named[0].ids = ids
        if named and len(phones) == len(named) and len(named) > 1:
            for party, phone in zip(named, phones, strict=True):
                party.phones = [phone]
        elif named:
            named[0].phones = phones
        parties += named
        if not pieces and parties and (ids or phones):
            parties[-1].ids += ids
            parties[-1].phones += phones
    return parties, count, odd


def split_ids(value: Any) -> list[str]:
    """The ID numbers in a text cell, in order; spaces inside a number are ignored.

    A masked number ("411603********1234", as Concord's masked export and many other systems write
    it) is withheld data, not a wrong number: it comes back as "" in its place, so the numbers after
    it still go to their own names.
    """
    text = unicodedata.normalize("NFKC", cell_text(value)).lstrip("'‘’`")
    found: list[str] = []
    for token in re.split(r"[^0-9Xx*\s]+", text):
        if "*" in token:
            found += ["" if "*" in word else word.upper() for word in token.split()]
            continue
        compact = "".join(token.split()).upper()
        if not compact:
            continue
        if len(compact) > 18 and len(compact) % 18 == 0:
            found += [compact[i : i + 18] for i in range(0, len(compact), 18)]
        else:
            found.append(compact)
    return found


_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?e\+?\d+$", re.IGNORECASE)


def id_stored_as_number(value: Any) -> bool:
    """True for an ID number Excel kept as a number (4.11603199001E+17, 411603199001010000): it has
    lost its last digits. A 15-digit number fits and is kept."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return not (value.is_integer() and len(str(int(value))) == 15)
    if isinstance(value, int):
        return len(str(value)) != 15
    return bool(_SCIENTIFIC.match(_plain(value)))


# --- the row's own text ---------------------------------------------------------------------------


def compose_title(names: list[str], category_name: str, description: str) -> str:
    """A short title for a case the ledger does not title: "张三与李四邻里纠纷"."""
    category_name = category_name or ""
    if names:
        who = "与".join(names[:2]) if len(names) <= 2 else f"{names[0]}等{len(names)}人"
        return f"{who}{category_name}"[:120]
    first = re.split(r"[。;；\n]", description.strip(), maxsplit=1)[0]
    return (first[:40] or category_name or _("Dispute from a ledger"))[:120]


def row_key(station_code: str, found: dt.date, text: str, first_party: str) -> str:
    """The identity of a ledger row across imports: the same station, date, text and first party
    is the same dispute however the file is named or re-numbered."""
    from concord.people.normalise import normalise_name

    material = "|".join(
        (station_code, found.isoformat(), clean_text(text)[:400], normalise_name(first_party))
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


# --------------------------------------------------------------------------------------------------
# The workbook


HEADER_SCAN_ROWS = 30
MIN_HEADER_FIELDS = 3
BLANK_RUN_LIMIT = 1000  # a sheet formatted down to row 1,048,576 ends here
_SKIP_WORDS = ("合计", "小计", "总计", "共计", "累计")
_NOTE_PREFIXES = (
    "注:",
    "备注:",
    "说明:",
    "填表人",
    "制表人",
    "审核人",
    "填报人",
    "统计人",
    "负责人:",
    "单位负责人",
    "填表时间",
    "填报时间",
    "填报日期",
    "制表时间",
    "制表日期",
)


@dataclass
class _Sheet:
    name: str
    values: list[list[Any]]  # as stored; merged cells other than the top-left are None
    filled: list[list[Any]]  # header zone only: merged cells carry the top-left value
    own: list[list[bool]]  # header zone only: False for a merged cell other than the top-left
    epoch: dt.datetime | None


def _read_bytes(source: str | Path | IO[bytes]) -> tuple[bytes, str]:
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            return path.read_bytes(), path.name
        except OSError as exc:
            raise LedgerUnreadable(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}
            ) from exc
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    return data, Path(getattr(source, "name", "") or "ledger.xlsx").name


def _load_sheets(data: bytes) -> tuple[list[_Sheet], str | None]:
    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell

    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise LedgerUnreadable(
            _(
                "This is an old Excel 97–2003 (.xls) file. Open it in Excel or WPS and save it as "
                "“Excel Workbook (.xlsx)”, then import that."
            )
        )
    if not data[:2] == b"PK":
        raise LedgerUnreadable(_("This is not an Excel workbook (.xlsx)."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise LedgerUnreadable(
            _("The workbook cannot be opened (%(error)s); save it again as .xlsx and retry.")
            % {"error": exc.__class__.__name__}
        ) from exc
    active = workbook.active.title if workbook.active is not None else None
    sheets = []
    for ws in workbook.worksheets:
        values: list[list[Any]] = []
        blank_run = 0
        for row in ws.iter_rows():
            cells = [None if isinstance(c, MergedCell) else c.value for c in row]
            if all(_is_blank(v) for v in cells):
                blank_run += 1
                if blank_run > BLANK_RUN_LIMIT:
                    break
            else:
                blank_run = 0
            values.append(cells)
        while values and all(_is_blank(v) for v in values[-1]):
            values.pop()
        zone = min(len(values), HEADER_SCAN_ROWS + 1)
        filled = [list(r) for r in values[:zone]]
        own = [[True] * len(r) for r in values[:zone]]
        for merged in ws.merged_cells.ranges:
            if merged.min_row > zone:
                continue
            top = ws.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row, min(merged.max_row, zone) + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    if c - 1 < len(filled[r - 1]):
                        filled[r - 1][c - 1] = top
                        own[r - 1][c - 1] = (r, c) == (merged.min_row, merged.min_col)
        sheets.append(_Sheet(ws.title, values, filled, own, getattr(workbook, "epoch", None)))
    return sheets, active


@dataclass
class _Header:
    top: int  # 0-based index of the first header row
    bottom: int  # 0-based index of the last header row
    columns: dict[str, int]
    labels: dict[str, str]
    ignored: list[tuple[str, str]]  # (header, header of the column already giving that field)
    amount_unit: int = 1


def _label(text: Any) -> str:
    """A header as written, its line breaks dropped: '排查\n时间 ' → '排查时间'."""
    words = cell_text(text).split()
    if any("\u3400" <= ch <= "\u9fff" for ch in "".join(words)):
        return "".join(words)
    return " ".join(words)


def _is_data_like(value: Any) -> bool:
    return isinstance(value, int | float | dt.date) and not isinstance(value, bool)


def _header_at(sheet: _Sheet, r: int) -> _Header:
    upper = sheet.filled[r]
    lower = sheet.filled[r + 1] if r + 1 < len(sheet.filled) else None
    if lower is not None:
        # The row below is the second line of a two-row header when its own cells (not those a
        # merge carries down) are header names, and this row names at least one column itself.
        mine = [v for c, v in enumerate(lower) if sheet.own[r + 1][c] and not _is_blank(v)]
        known = [v for v in mine if header_field(v)]
        if (
            not any(header_field(v) for v in upper)
            or not known
            or len(known) * 2 < len(mine)
            or any(_is_data_like(v) for v in mine)
        ):
            lower = None
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[tuple[str, str]] = []
    unit = 1
    width = max(len(upper), len(lower) if lower else 0)
    for c in range(width):
        top = upper[c] if c < len(upper) else None
        fld, text = header_field(top), top
        if lower is not None and c < len(lower) and sheet.own[r + 1][c] and not _is_blank(lower[c]):
            fld, text = header_field(lower[c]), lower[c]
            if header_field(top) == PARTIES_B and fld in _SIDE_B:
                fld = _SIDE_B[fld]
        if fld is None:
            continue
        if fld in columns:
            if _secondary(fld, labels[fld]) and not _secondary(fld, text):
                ignored.append((labels[fld], _label(text)))
                columns[fld], labels[fld] = c, _label(text)
            elif _label(text) != labels[fld]:
                ignored.append((_label(text), labels[fld]))
            continue
        columns[fld], labels[fld] = c, _label(text)
        if fld == AMOUNT and "万" in cell_text(text):
            unit = 10_000
    return _Header(r, r + 1 if lower is not None else r, columns, labels, ignored, unit)


def _find_header(sheet: _Sheet) -> _Header | None:
    best: _Header | None = None
    for r in range(min(len(sheet.filled), HEADER_SCAN_ROWS)):
        header = _header_at(sheet, r)
        if len(header.columns) >= MIN_HEADER_FIELDS and (
            best is None or len(header.columns) > len(best.columns)
        ):
            best = header
    return best


def _row_number(value: Any, sheet_row: int) -> tuple[int | str, bool]:
    if _is_blank(value):
        return sheet_row, False
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value), True
    text = _plain(value)
    return (int(text), True) if text.isdigit() else (text[:20], True)


def _skippable(cells: list[Any], header: _Header) -> bool:
    texts = [_plain(v) for v in cells if not _is_blank(v)]
    if not texts:
        return True
    squeezed = ["".join(t.split()) for t in texts]
    if any(t.startswith(_SKIP_WORDS) for t in squeezed[:3]):
        return True
    if squeezed[0].startswith(_NOTE_PREFIXES):
        return True
    if sum(1 for v in cells if header_field(v)) >= MIN_HEADER_FIELDS:
        return True  # the header again, as printed on every page
    numbers = [v for v in cells if not _is_blank(v)]
    if (
        len(numbers) >= MIN_HEADER_FIELDS
        and all(isinstance(v, int) and not isinstance(v, bool) for v in numbers)
        and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    ):
        return True  # the column numbers (1 2 3 …) some forms print under the header
    filled = {f for f, c in header.columns.items() if c < len(cells) and not _is_blank(cells[c])}
    return filled <= {NUMBER}  # a pre-numbered empty line of the form


def read_ledger(
    source: str | Path | IO[bytes], *, name: str | None = None, today: dt.date | None = None
) -> Ledger:
    """Read a ledger workbook: its first sheet with a recognisable header (the active sheet first).

    Raises LedgerUnreadable when the file is not a workbook, has no header or lacks a required column.
    """
    today = today or dt.date.today()
    data, file_name = _read_bytes(source)
    file_name = name or file_name
    if not data:
        raise LedgerUnreadable(_("The file is empty."))
    sheets, active = _load_sheets(data)
    ordered = sorted(sheets, key=lambda s: s.name != active)
    found = [(s, h) for s in ordered if (h := _find_header(s)) is not None]
    if not found:
        raise LedgerUnreadable(
            _(
                "No header row found: a ledger needs a row naming its columns, such as 序号, "
                "排查时间, 当事人, 纠纷类型, 简要情况, 地点, 风险等级."
            )
        )
    sheet, header = found[0]
    missing = [label for fields, label in REQUIRED if not any(f in header.columns for f in fields)]
    if missing:
        raise LedgerUnreadable(
            _("The header (sheet “%(sheet)s”, row %(row)s) has no column for %(missing)s.")
            % {
                "sheet": sheet.name,
                "row": header.top + 1,
                "missing": "; ".join(str(m) for m in missing),
            }
        )
    title = " ".join(
        _label(v) for r in sheet.filled[: header.top] for v in dict.fromkeys(r) if not _is_blank(v)
    )
    year_match = re.search(r"((?:19|20)\d{2})\s*年", unicodedata.normalize("NFKC", title))
    year = int(year_match.group(1)) if year_match else None
    ledger = Ledger(
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        sheet=sheet.name,
        title=title,
        year=year,
        columns=dict(header.labels),
        rows=[],
    )
    for text, kept in header.ignored:
        ledger.warnings.append(
            Problem(
                text,
                _("this column was not read: column “%(kept)s” already gives the same information.")
                % {"kept": kept},
            )
        )
    for other, _header in found[1:]:
        ledger.warnings.append(
            Problem(
                None,
                _(
                    "Sheet “%(other)s” was not read; only sheet “%(sheet)s” was. Import one sheet per file."
                )
                % {"other": other.name, "sheet": sheet.name},
            )
        )

    groups: list[
        tuple[int, list[list[Any]]]
    ] = []  # (sheet row, [cells of the row, continuations…])
    party_columns = [c for f, c in header.columns.items() if f in PARTY_FIELDS]
    case_columns = [c for f, c in header.columns.items() if f not in PARTY_FIELDS | {REMARKS}]

    def has(cells: list[Any], columns: list[int]) -> bool:
        return any(c < len(cells) and not _is_blank(cells[c]) for c in columns)

    for index in range(header.bottom + 1, len(sheet.values)):
        cells = sheet.values[index]
        if _skippable(cells, header):
            continue
        if groups and not has(cells, case_columns) and has(cells, party_columns):
            groups[-1][1].append(cells)  # the next line of the case above: more parties
            continue
        groups.append((index + 1, [cells]))
    first_use: dict[int | str, int] = {}
    for sheet_row, lines in groups:
        row = _build_row(sheet_row, lines, header, year=year, today=today, epoch=sheet.epoch)
        if row.numbered and row.number in first_use:
            row.warn(
                NUMBER,
                _("this number is also used on sheet row %(row)s; this is sheet row %(this)s.")
                % {"row": first_use[row.number], "this": sheet_row},
            )
        first_use.setdefault(row.number, sheet_row)
        ledger.rows.append(row)
    return ledger


def _value(cells: list[Any], header: _Header, fld: str) -> Any:
    column = header.columns.get(fld)
    return cells[column] if column is not None and column < len(cells) else None


def _build_row(
    sheet_row: int,
    lines: list[list[Any]],
    header: _Header,
    *,
    year: int | None,
    today: dt.date,
    epoch: dt.datetime | None,
) -> LedgerRow:
    cells = lines[0]

    def get(fld: str) -> Any:
        return _value(cells, header, fld)

    number, numbered = _row_number(get(NUMBER), sheet_row)
    row = LedgerRow(sheet_row=sheet_row, number=number, numbered=numbered, labels=header.labels)

    for fld in (FOUND, BEGAN, CLOSED_ON):
        try:
            when, warning = parse_date(get(fld), year=year, today=today, epoch=epoch)
        except CellError as exc:
            row.error(fld, str(exc))
            continue
        if warning:
            row.warn(fld, warning)
        if fld == FOUND:
            row.found_at = when
        elif fld == BEGAN and when is not None:
            row.began_on = when.date()
            if FOUND not in header.columns or _is_blank(get(FOUND)):
                row.found_at = when
        elif when is not None:
            row.closed_on = when.date()
    if row.found_at is None and not any(
        p.field in (row.label(FOUND), row.label(BEGAN)) for p in row.errors
    ):
        row.error(FOUND if FOUND in header.columns else BEGAN, _("The date is missing."))
    if row.found_at and row.began_on and row.began_on > row.found_at.date():
        row.warn(BEGAN, _("the dispute cannot begin after it was found; the date was left out."))
        row.began_on = None

    row.case_number = _plain(get(CASE_NUMBER))
    row.title = " ".join(cell_text(get(TITLE)).split())[:120]
    row.description = cell_text(get(DESCRIPTION))
    remarks = cell_text(get(REMARKS))
    if remarks:
        row.description = "\n".join(
            filter(None, [row.description, f"{row.label(REMARKS)}：{remarks}"])
        )
    row.category_text = cell_text(get(CATEGORY))
    row.station_text = cell_text(get(STATION))
    # "王明（138****1234）", as Concord's 责任人及电话 writes it: the name is what identifies the officer.
    row.owner_text = " ".join(_PARENTHESISED.sub(" ", cell_text(get(OWNER))).split())
    row.places = [(f, cell_text(get(f))) for f in PLACE_FIELDS if cell_text(get(f))]

    try:
        row.level = parse_level(get(LEVEL))
    except CellError as exc:
        row.error(LEVEL, str(exc))
    row.status_text = cell_text(get(STATUS))
    status, row.transferred_to = parse_status(get(STATUS))
    if status is None:
        row.warn(
            STATUS,
            _("“%(value)s” is not a status this import knows; the case was imported as open.")
            % {"value": row.status_text[:40]},
        )
        status = Status.REGISTERED
    row.status = status

    try:
        people = parse_count(get(PEOPLE))
    except CellError as exc:
        row.warn(PEOPLE, str(exc))
        people = None
    try:
        row.amount_involved = parse_amount(get(AMOUNT), unit=header.amount_unit)
    except CellError as exc:
        row.warn(AMOUNT, str(exc))

    more = _read_parties(row, lines, header)
    named = len(row.parties)
    if people is not None and people < named:
        row.warn(
            PEOPLE,
            _("%(people)s people, but %(named)s parties are named; %(named)s was taken.")
            % {"people": people, "named": named},
        )
    row.people_involved = max(people or 0, more or 0, named, 1 if people or more else 2)
    if not row.parties and not row.description and not row.title:
        row.error(
            PARTIES if PARTIES in header.columns else DESCRIPTION,
            _("The row names no party and describes nothing."),
        )
    return row


def _read_parties(row: LedgerRow, lines: list[list[Any]], header: _Header) -> int | None:
    """Fill row.parties from the party columns of the row and its continuation lines; return the
    "等N人" count when one was written."""
    more: int | None = None
    sides = ((PARTIES, ID_NUMBER, PHONE), (PARTIES_B, ID_NUMBER_B, PHONE_B))
    for line in lines:
        for side, (names_f, ids_f, phones_f) in enumerate(sides):
            named, count, odd = split_parties(_value(line, header, names_f))
            if count:
                more = max(more or 0, count)
            for text in odd:
                row.error(
                    names_f,
                    _("“%(text)s” does not look like a name; separate names with 、")
                    % {"text": text[:30]},
                )
            ids_value = _value(line, header, ids_f)
            id_texts: list[str] = []
            if id_stored_as_number(ids_value):
                row.warn(
                    ids_f,
                    _(
                        "the ID number %(value)s was stored as a number, and Excel keeps only 15 "
                        "digits of a number: it was not imported. Format the column as text and type "
                        "it again."
                    )
                    % {"value": mask_id_number(cell_text(ids_value))},
                )
            elif not _is_blank(ids_value):
                id_texts = split_ids(ids_value)
                masked = sum(1 for text in id_texts if not text)
                if masked:
                    row.warn(
                        ids_f,
                        ngettext(
                            "%(n)s ID number is masked (withheld); it was left out.",
                            "%(n)s ID numbers are masked (withheld); they were left out.",
                            masked,
                        )
                        % {"n": masked},
                    )
            phones_value = _value(line, header, phones_f)
            phones = normalise_phones(cell_text(phones_value))
            if not _is_blank(phones_value) and not phones:
                row.warn(
                    phones_f,
                    _("“%(value)s” is not a phone number; it was left out.")
                    % {"value": cell_text(phones_value)[:30]},
                )
            if not named:
                if id_texts or phones:
                    row.error(names_f, _("An ID number or a phone is given without a name."))
                continue
            address = cell_text(_value(line, header, ADDRESS)) if side == 0 else ""
            _assign(row, named, id_texts, phones, address, side, ids_f)
    return more


def _assign(
    row: LedgerRow,
    named: list[_NamedParty],
    id_texts: list[str],
    phones: list[str],
    address: str,
    side: int,
    ids_f: str,
) -> None:
    """Give the names of one cell the ID numbers and phones of theirs, in order, and add them."""
    for index, party in enumerate(named):
        if not party.ids and index < len(id_texts) and id_texts[index]:
            party.ids = [id_texts[index]]
    if len(id_texts) > len(named):
        row.warn(ids_f, _("there are more ID numbers than names; the extra ones were left out."))
    if len(named) == 1:
        named[0].phones = named[0].phones or phones
    else:
        for index, party in enumerate(named):
            if not party.phones and index < len(phones):
                party.phones = [phones[index]]
    for index, party in enumerate(named):
        id_number = ""
        if party.ids:
            try:
                id_number = parse_id_number(party.ids[0]).number
            except InvalidIdNumber as exc:
                row.error(
                    ids_f,
                    _("%(name)s: %(problem)s (%(value)s).")
                    % {
                        "name": party.name,
                        "problem": ID_ERRORS[exc.reason],
                        "value": mask_id_number(party.ids[0]),
                    },
                )
        first = not row.parties
        if party.role:
            role = party.role
        elif side == 0 and first:
            role = Party.Role.APPLICANT
        else:
            role = Party.Role.RESPONDENT
        row.parties.append(
            PartyInput(
                name="".join(party.name.split())[:50],
                role=role,
                id_number=id_number,
                phone="/".join(party.phones)[:32],
                address=address[:200] if index == 0 else "",
            )
        )
