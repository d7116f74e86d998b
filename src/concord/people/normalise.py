"""Identity normalisation for Chinese records: ID numbers, phones, names, birth dates, addresses.

Every function is pure and never fails on what a person typed: rubbish gives an empty answer, not an
exception. Linkage (batch and online) and imports call these so that "张偉 / 138-0013-8000" and
"张伟 / +86 13800138000" meet on the same keys.

The address parser needs the territory; it takes a plain `Gazetteer` (townships and villages by
code and name), so it is testable without a database. `gazetteer_from_db()` builds one from the
`Unit` rows and is the only function here that touches Django.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from concord.people.identity import InvalidIdNumber, parse_id_number

# ---------------------------------------------------------------------------------------------
# Text


_PUNCTUATION = re.compile(
    r"[\s\u3000·•・.．,，、;；:：'\"“”‘’`~!！?？()（）\[\]【】{}<>《》\-—_/\\|#＃*＊+]+"
)


def halfwidth(text: str) -> str:
    """Full-width letters, digits and spaces become their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1)
def _t2s():
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Traditional characters become simplified ones: "張偉" → "张伟", "白樓鎮" → "白楼镇"."""
    if not text or text.isascii():
        return text
    return _t2s().convert(text)


def clean_text(raw: str | None) -> str:
    """Half-width, simplified, without spaces or punctuation: the common ground for comparing text."""
    if not raw:
        return ""
    return _PUNCTUATION.sub("", to_simplified(halfwidth(str(raw)))).lower()


# ---------------------------------------------------------------------------------------------
# ID numbers (GB 11643): the checks themselves live in concord.people.identity


@dataclass(frozen=True)
class IdInfo:
    """An ID number as typed, cleaned.

    `number` is the 18-digit form when the number is valid (a 15-digit one upgraded), otherwise the
    cleaned characters as typed (for fuzzy comparison), or "" when nothing usable was typed.
    `checked` is true only for a number typed with 18 digits whose check digit is right: the only
    kind DESIGN §4's never-merge rule trusts (an upgraded 15-digit number has no check digit).
    """

    number: str = ""
    valid: bool = False
    checked: bool = False
    birth_date: dt.date | None = None
    sex: str = ""  # "M", "F" or "" when unknown


_ID_CHARS = re.compile(r"[^0-9X]")


def normalise_id_number(raw: str | None, *, today: dt.date | None = None) -> IdInfo:
    """Clean and check an ID number: "41160319900101123x" → valid, born 1990-01-01, male.

    An invalid number keeps its cleaned characters, and the birth date and sex it appears to carry
    when they are plausible, so a typing error still matches its correct twin by edit distance.
    """
    if not raw:
        return IdInfo()
    text = _ID_CHARS.sub("", halfwidth(str(raw)).upper())
    if not text:
        return IdInfo()
    try:
        parsed = parse_id_number(text, today=today)
    except InvalidIdNumber:
        if len(text) < 6:
            return IdInfo()
        born, sex = _apparent_birth_and_sex(text, today or dt.date.today())
        return IdInfo(number=text, birth_date=born, sex=sex)
    return IdInfo(
        number=parsed.number,
        valid=True,
        checked=not parsed.upgraded_from_15,
        birth_date=parsed.birth_date,
        sex=parsed.sex,
    )


def _apparent_birth_and_sex(text: str, today: dt.date) -> tuple[dt.date | None, str]:
    if len(text) == 18 and text[:17].isdigit():
        born = _date_or_none(text[6:10], text[10:12], text[12:14], today)
        return born, ("M" if int(text[16]) % 2 else "F") if born else ""
    if len(text) == 15 and text.isdigit():
        born = _date_or_none("19" + text[6:8], text[8:10], text[10:12], today)
        return born, ("M" if int(text[14]) % 2 else "F") if born else ""
    return None, ""


def _date_or_none(year: str, month: str, day: str, today: dt.date) -> dt.date | None:
    try:
        born = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return born if dt.date(1900, 1, 1) <= born <= today else None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def normalise_birth_date(
    raw: str | dt.date | None, *, today: dt.date | None = None
) -> dt.date | None:
    """ "1985-03-12", "1985/3/12", "1985.3.12", "19850312", "1985年3月12日" → date(1985, 3, 12)."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if not raw:
        return None
    text = "".join(halfwidth(str(raw)).split())
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            return _date_or_none(*found.groups(), today or dt.date.today())
    return None


# ---------------------------------------------------------------------------------------------
# Phones


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_SPLIT = re.compile(r"[/,，;；、|]|或|和|及|\s{2,}")
_PHONE_LABEL = re.compile(
    r"^(联系电话|电话号码|手机号码|手机号|电话|手机|座机|固话|tel|mobile|phone)[:：]?",
    re.IGNORECASE,
)
_EXTENSION = re.compile(r"(转|分机|ext\.?|x)\d*$", re.IGNORECASE)


def _area_code_length(digits: str) -> int:
    # 010 and 020–029 are the three-digit area codes; every other one has four digits.
    return 3 if digits[1] in "12" else 4


def normalise_phone(raw: str | None) -> str:
    """One phone number in its national digits, or "" when it is not a phone number.

    Mobiles become 11 digits ("+86 138-0013-8000" → "13800138000"); a landline with its area code
    becomes the digits with the leading 0 ("(0394)8123456", "0394 812 3456", "+86 394 8123456" →
    "03948123456"); a bare local number of 7–8 digits stays as it is, without an area code.
    """
    if not raw:
        return ""
    text = _EXTENSION.sub("", _PHONE_LABEL.sub("", halfwidth(str(raw)).strip()))
    if re.search(r"[^\d\s+()\-.—]", text):
        return ""
    digits = re.sub(r"\D", "", text)
    international = text.lstrip().startswith("+")
    for country in ("0086", "86"):
        rest = digits[len(country) :]
        if not digits.startswith(country) or not rest:
            continue
        if _MOBILE.match(rest):
            digits = rest
            break
        if (international or country == "0086") and rest[0] != "1" and 9 <= len(rest) <= 12:
            digits = rest if rest[0] == "0" else "0" + rest
            break
    if _MOBILE.match(digits):
        return digits
    if digits.startswith("0") and _MOBILE.match(digits[1:]):
        return digits[1:]  # a mobile dialled with a trunk 0 from another city
    if digits.startswith("0") and len(digits) >= 10:
        local = digits[_area_code_length(digits) :]
        if 7 <= len(local) <= 8 and local[0] != "0":
            return digits
        return ""
    if 7 <= len(digits) <= 8 and digits[0] not in "01":
        return digits
    return ""


def normalise_phones(raw: str | None) -> list[str]:
    """Every phone number in a field, in order, without repeats: "138…/0394-8123456" → both.

    Numbers may be separated by "/", "，", "、", "；", "或" or wide gaps; two mobiles run together with a
    single space are found too.
    """
    if not raw:
        return []
    found: list[str] = []
    for part in _PHONE_SPLIT.split(halfwidth(str(raw))):
        if not part.strip():
            continue
        phone = normalise_phone(part)
        if phone:
            candidates = [phone]
        else:
            # "13800138000 13900139000": whole tokens, else mobiles inside a run of digits.
            tokens = [normalise_phone(t) for t in part.split()]
            candidates = [t for t in tokens if t] or re.findall(
                r"1[3-9]\d{9}", re.sub(r"\D", "", part)
            )
        for phone in candidates:
            if phone not in found:
                found.append(phone)
    return found


# ---------------------------------------------------------------------------------------------
# Names


COMPOUND_SURNAMES = frozenset(
    (
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "闾丘",
        "澹台",
        "公冶",
        "太史",
        "申屠",
        "端木",
        "百里",
        "东郭",
        "南宫",
        "西门",
        "独孤",
        "呼延",
        "万俟",
        "赫连",
        "司空",
        "第五",
        "拓跋",
        "单于",
        "濮阳",
        "淳于",
    )
)

# Surnames whose reading differs from the character's everyday one.
_SURNAME_PINYIN = {
    "单": "shan",
    "曾": "zeng",
    "区": "ou",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "召": "shao",
    "覃": "qin",
    "翟": "zhai",
    "员": "yun",
    "折": "she",
    "秘": "bi",
    "繁": "po",
    "种": "chong",
    "黑": "he",
    "尉迟": "yuchi",
    "万俟": "moqi",
    "长孙": "zhangsun",
    "单于": "chanyu",
    "任": "ren",
    "华": "hua",
    "纪": "ji",
    "燕": "yan",
    "宁": "ning",
    "应": "ying",
    "沈": "shen",
    "薄": "bo",
    "祭": "zhai",
    "那": "na",
    "句": "gou",
}

# What people write instead of a name they do not know.
_UNKNOWN_NAMES = frozenset(
    ("", "某", "某某", "某人", "无", "无名", "无名氏", "不详", "未知", "匿名", "不明")
)
_PLACEHOLDER = re.compile(
    r"^(?P<surname>\D{1,2}?)(某+|先生|女士|小姐|师傅|老板|大爷|大娘|大妈|阿姨|大哥|大姐|氏)$"
)
_FAMILIAR = re.compile(r"^(老|小)(?P<surname>\D)$")
_NAME_CHARS = re.compile(r"[^a-z\u3400-\u9fff]")


def normalise_name(raw: str | None) -> str:
    """Half-width, simplified, without spaces, dots or digits: "張 偉" → "张伟", "阿依·买买提" → "阿依买买提"."""
    return _NAME_CHARS.sub("", clean_text(raw))


def is_placeholder_name(raw: str | None) -> bool:
    """True when the name stands for someone unnamed: "某某", "张某", "张某某", "王先生", "老李".

    The surname of such a name may still be known (see `surname`); the given name is not.
    """
    name = normalise_name(raw)
    if name in _UNKNOWN_NAMES:
        return True
    if "某" in name:
        return True
    return bool(_PLACEHOLDER.match(name) or _FAMILIAR.match(name))


def surname(raw: str | None) -> str:
    """The family name: "欧阳修" → "欧阳", "张某" → "张", "李女士" → "李", "老王" → "王"; "" when unknown."""
    name = normalise_name(raw)
    if name in _UNKNOWN_NAMES:
        return ""
    familiar = _FAMILIAR.match(name)
    if familiar:
        return familiar.group("surname")
    name = name.split("某", 1)[0] if "某" in name else name
    placeholder = _PLACEHOLDER.match(name)
    if placeholder:
        name = placeholder.group("surname")
    if not name or not _is_han(name[0]):
        return ""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[0]


def given_name(raw: str | None) -> str:
    """The name after the surname, "" for a placeholder: "欧阳修" → "修"."""
    if is_placeholder_name(raw):
        return ""
    name = normalise_name(raw)
    return name[len(surname(name)) :]


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


@lru_cache(maxsize=65536)
def _syllables(name: str) -> tuple[str, ...]:
    # Imported here: pypinyin reads its phrase dictionary at import (~0.7 s), which every concord
    # command and web worker would otherwise pay at start-up whether it spells a name or not.
    from pypinyin import Style, lazy_pinyin

    family = surname(name)
    syllables: list[str] = []
    if family and name.startswith(family):
        if family in _SURNAME_PINYIN:
            syllables.append(_SURNAME_PINYIN[family])
        else:
            syllables.extend(lazy_pinyin(family, style=Style.NORMAL))
        name = name[len(family) :]
    syllables.extend(lazy_pinyin(name, style=Style.NORMAL))
    return tuple(s.lower() for s in syllables if s)


def pinyin_key(raw: str | None) -> str:
    """Toneless pinyin of the whole name, so homophones meet: "李伟" and "李玮" → "liwei".

    A placeholder ("张某") has no key: its given name is unknown.
    """
    if is_placeholder_name(raw):
        return ""
    return "".join(_syllables(normalise_name(raw)))


_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"), ("iang", "ian"), ("uang", "uan"))


def _fuzzy_syllable(syllable: str) -> str:
    for heavy, light in _FUZZY_INITIALS:
        if syllable.startswith(heavy):
            syllable = light + syllable[len(heavy) :]
            break
    for heavy, light in _FUZZY_FINALS:
        if syllable.endswith(heavy):
            syllable = syllable[: -len(heavy)] + light
            break
    return syllable


def fuzzy_pinyin_key(raw: str | None) -> str:
    """The pinyin key with the sounds Henan speakers (and typists) confuse merged: zh/z, ch/c, sh/s,
    n/l, f/h, -ng/-n. "张敏" and "张明" → "zanmin"; "刘娜" and "牛娜" → "liula" and "liula"."""
    if is_placeholder_name(raw):
        return ""
    return "".join(_fuzzy_syllable(s) for s in _syllables(normalise_name(raw)))


def name_initials(raw: str | None) -> str:
    """The surname's pinyin and the first letter of the given name: "张静" → "zhang j"; "" if unknown."""
    name = normalise_name(raw)
    family = surname(name)
    given = given_name(name)
    if not family or not given:
        return ""
    syllables = _syllables(name)
    family_syllables = 2 if len(family) == 2 else 1
    rest = syllables[family_syllables:]
    return f"{''.join(syllables[:family_syllables])} {rest[0][:1] if rest else ''}".strip()


# ---------------------------------------------------------------------------------------------
# Addresses


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def chinese_number(text: str) -> int | None:
    """ "3" → 3, "三" → 3, "十二" → 12, "二十一" → 21; None for anything else."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        value = 0
        for c in text:
            value = value * 10 + _CN_DIGITS[c]
        return value
    tens, _, units = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


_TOWNSHIP_SUFFIXES = ("街道办事处", "办事处", "派出所", "街道", "镇", "乡")
_VILLAGE_SUFFIXES = (
    "村民委员会",
    "居民委员会",
    "社区居委会",
    "村委会",
    "居委会",
    "社区",
    "行政村",
    "村",
)


def place_stem(name: str) -> str:
    """A place name without its kind: "白楼镇", "白楼乡", "白楼派出所" → "白楼"; "张庄村" → "张庄";
    "城关回族镇" → "城关"."""
    text = clean_text(name)
    for suffix in (*_TOWNSHIP_SUFFIXES, *_VILLAGE_SUFFIXES):
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            text = text[: -len(suffix)]
            break
    return text.removesuffix("回族") if len(text) > 3 else text


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    township: str | None = None  # the code of its township (the police station's area)


@dataclass
class Gazetteer:
    """The territory an address is read against: townships (station areas) and villages.

    Built from plain tuples so tests need no database; `gazetteer_from_db()` reads the Unit tree.
    `prefixes` are the county's own names ("周口市", "淮阳区"…) that addresses may start with.
    """

    townships: dict[str, str] = field(default_factory=dict)  # code → name
    villages: list[Village] = field(default_factory=list)
    prefixes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._township_by_stem: dict[str, set[str]] = {}
        for code, name in self.townships.items():
            self._township_by_stem.setdefault(place_stem(name), set()).add(code)
        self._village_by_stem: dict[str, list[Village]] = {}
        for village in self.villages:
            self._village_by_stem.setdefault(place_stem(village.name), []).append(village)
        # The stems' lengths, longest first: "which known name does the text start with" is then a
        # handful of dictionary lookups of its prefixes, not a scan of every name in the county.
        self._village_lengths = sorted({len(s) for s in self._village_by_stem}, reverse=True)
        self._township_lengths = sorted({len(s) for s in self._township_by_stem}, reverse=True)

    def __bool__(self) -> bool:
        return bool(self.villages)

    def township_codes(self, stem: str) -> set[str]:
        return self._township_by_stem.get(stem, set())

    def villages_named(self, stem: str) -> list[Village]:
        return self._village_by_stem.get(stem, [])

    def village_stem_at_start(self, text: str) -> str:
        """The longest known village name (stem) that `text` starts with, or ""."""
        return _longest_prefix(text, self._village_by_stem, self._village_lengths)

    def township_stem_at_start(self, text: str) -> str:
        return _longest_prefix(text, self._township_by_stem, self._township_lengths)


def _longest_prefix(text: str, stems: dict, lengths: list[int]) -> str:
    for n in lengths:
        if n <= len(text) and text[:n] in stems:
            return text[:n]
    return ""


@dataclass(frozen=True)
class ParsedAddress:
    """What an address says about where a person lives.

    `village` is the village's unit code when the territory identifies it unambiguously, else None;
    `village_name` and `township_name` are the name stems as written ("张庄", "白楼"), used to compare
    addresses when there is no territory to resolve them.
    """

    village: str | None = None
    township: str | None = None
    group: int | None = None
    village_name: str = ""
    township_name: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.village or self.village_name or self.township or self.township_name)


_PROVINCE = re.compile(r"^[\u4e00-\u9fff]{2,3}?(省|自治区)")
_CITY = re.compile(r"^[\u4e00-\u9fff]{2,3}?市")
_COUNTY = re.compile(r"^[\u4e00-\u9fff]{2,3}?(区|县)")
_TOWNSHIP = re.compile(r"^([\u4e00-\u9fff]{1,5}?)(街道办事处|办事处|街道|镇|乡)")
_GROUP = re.compile(r"(?:第)?([0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3})(?:村民小组|小组|组|队)")
_VILLAGE = re.compile(
    r"^([\u4e00-\u9fff]{1,8}?)(村民委员会|居民委员会|社区居委会|村委会|居委会|社区|行政村|村)"
)
_TAIL = re.compile(r"(\d+号.*|\d+排.*|\d+栋.*|\d+单元.*|[东西南北]头.*|附近.*)$")


def _strip_prefixes(text: str, gazetteer: Gazetteer | None) -> str:
    for prefix in sorted(gazetteer.prefixes if gazetteer else (), key=len, reverse=True):
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
    for pattern in (_PROVINCE, _CITY, _COUNTY):
        found = pattern.match(text)
        if found and len(text) > found.end() and not found.group(0).endswith(("社区", "小区")):
            text = text[found.end() :]
    return text


def parse_address(raw: str | None, gazetteer: Gazetteer | None = None) -> ParsedAddress:
    """Read an address as township / village / group.

    "淮阳区白楼镇张庄村3组", "白楼镇张庄", "张庄3组" and "张庄村三组" all name the village 张庄; with a
    gazetteer it resolves to the village's code when the name is unique in the county, or when the
    township written before it tells the homonyms apart. Without one only the name stems are read.
    """
    text = clean_text(raw)
    if not text:
        return ParsedAddress()
    text = _strip_prefixes(text, gazetteer)

    group = None
    found = _GROUP.search(text)
    if found and found.start() > 0:
        group = chinese_number(found.group(1))
        text = text[: found.start()]
    text = _TAIL.sub("", text)

    township_name = ""
    found = _TOWNSHIP.match(text)
    if found and (
        not gazetteer
        or not gazetteer.village_stem_at_start(text)
        or gazetteer.township_codes(place_stem(found.group(0)))
    ):
        township_name = place_stem(found.group(0))
        text = text[found.end() :]
    elif gazetteer:
        # "白楼张庄": a known township's name without its suffix, before a known village.
        stem = gazetteer.township_stem_at_start(text)
        if stem and gazetteer.village_stem_at_start(text[len(stem) :]):
            township_name, text = stem, text[len(stem) :]

    village_name = gazetteer.village_stem_at_start(text) if gazetteer else ""
    if not village_name:
        found = _VILLAGE.match(text)
        village_name = found.group(1) if found else text
    village_name = village_name.removesuffix("村") if len(village_name) > 2 else village_name

    township_codes = (
        gazetteer.township_codes(township_name) if gazetteer and township_name else set()
    )
    village = township = None
    if gazetteer and village_name:
        candidates = gazetteer.villages_named(village_name)
        if township_codes:
            in_township = [v for v in candidates if v.township in township_codes]
            candidates = in_township or (candidates if len(candidates) == 1 else [])
        if len(candidates) == 1:
            village, township = candidates[0].code, candidates[0].township
    if township is None and len(township_codes) == 1:
        township = next(iter(township_codes))
    return ParsedAddress(
        village=village,
        township=township,
        group=group,
        village_name=village_name,
        township_name=township_name,
    )


def gazetteer_from_units(units: Iterable[tuple[str, str, str, str]]) -> Gazetteer:
    """A gazetteer from (code, name, kind, path) rows of the territory tree.

    Police stations stand for townships (a station's area is its township); villages and
    communities are found under them through the materialised path; the bureau's name gives the
    county prefixes ("周口市公安局淮阳分局" → "周口市", "淮阳区", "淮阳县", "淮阳").
    """
    rows = list(units)
    townships = {code: name for code, name, kind, _ in rows if kind == "station"}
    villages = []
    for code, name, kind, path in rows:
        if kind != "village":
            continue
        station = next((c for c in path.strip("/").split("/") if c in townships), None)
        villages.append(Village(code=code, name=name, township=station))
    prefixes: list[str] = []
    for _code, name, kind, _path in rows:
        if kind == "bureau":
            found = re.match(r"^(?:(\w{2,3}?)市)?公安局(\w{2,3}?)分局$", name)
            if found:
                city, county = found.groups()
                if city:
                    prefixes += [f"{city}市", city]
                prefixes += [f"{county}区", f"{county}县", county]
    return Gazetteer(townships=townships, villages=villages, prefixes=tuple(prefixes))


def gazetteer_from_db() -> Gazetteer:
    """The gazetteer of the territory in the database (empty when it holds none)."""
    from concord.territory.models import Unit, UnitKind

    rows = Unit.objects.filter(
        kind__in=[UnitKind.BUREAU, UnitKind.STATION, UnitKind.VILLAGE],
        is_active=True,
    ).values_list("code", "name", "kind", "path")
    return gazetteer_from_units(rows)
