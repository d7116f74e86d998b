"""Noisy person records with their ground truth, for linkage tests and benchmarks.

`generate_records(n, seed=…)` draws people who live in the demo county (its real township names and
the demo plan's villages), gives each one to several records, and writes every record the way people
type them in the field: homophone typing errors (李伟/李玮, 张静/张晶), traditional characters, spaces,
truncated and "某" placeholder names, ID numbers with a missing or transposed digit or in the old
15-digit form, phones with +86, dashes, spaces, full-width digits, landlines (0394-…) and second
phones, partial addresses ("白楼镇张庄", "张庄3组"), birth dates in five formats. Households make the
hard cases: spouses share a phone and an address, parents and children a surname and a village,
and a tenth of the people carry one of the county's commonest names (王伟, 张伟, 李娜…).

The same seed gives the same records, byte for byte. `person_id` is the truth, never an input.

    python -m bench.people_generator --records 20000 --output var/bench/people.csv [--truth]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_SEED = 20260301
INPUT_HEADER = ("record_id", "name", "id_number", "phone", "address", "birth_date")

# ---------------------------------------------------------------------------------------------
# Vocabularies

COMMON_NAMES = (
    "王伟",
    "张伟",
    "李伟",
    "刘伟",
    "王芳",
    "李娜",
    "张敏",
    "李静",
    "王静",
    "张丽",
    "王秀英",
    "李秀英",
    "张秀英",
    "王丽",
    "张静",
    "李强",
    "王敏",
    "李敏",
    "王磊",
    "刘洋",
    "张勇",
    "王军",
    "李军",
    "张杰",
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "皇甫")
FEMALE_GIVEN = frozenset(
    (
        "静",
        "敏",
        "丽",
        "艳",
        "娜",
        "芳",
        "霞",
        "燕",
        "玲",
        "婷",
        "红",
        "琳",
        "莉",
        "倩",
        "雪",
        "悦",
        "璐",
        "红梅",
        "秀兰",
        "桂兰",
        "丽娟",
        "晓燕",
        "玉兰",
        "玉梅",
        "凤英",
        "秀英",
        "桂英",
        "淑珍",
        "文静",
        "雨涵",
        "梓涵",
        "欣怡",
        "佳怡",
        "海燕",
        "亚楠",
        "亚萍",
        "晓丽",
        "雪梅",
        "冬梅",
        "秋菊",
        "兰英",
        "素芳",
        "梦琪",
        "慧敏",
        "丹丹",
        "春华",
    )
)

# Characters typed through a pinyin input method: the same toneless sound, another character.
HOMOPHONES = {
    "伟": "玮炜卫维",
    "磊": "蕾垒",
    "强": "蔷",
    "军": "君钧均",
    "勇": "永涌",
    "杰": "洁捷婕",
    "涛": "滔韬",
    "斌": "彬宾",
    "超": "潮朝",
    "明": "鸣铭名",
    "鹏": "朋",
    "辉": "晖徽挥",
    "浩": "昊皓",
    "宇": "雨羽语",
    "静": "晶菁婧敬靖",
    "敏": "民闽珉",
    "丽": "莉俐力利立",
    "艳": "燕雁彦",
    "娜": "那纳",
    "芳": "方",
    "霞": "侠夏",
    "燕": "艳雁",
    "玲": "铃凌灵",
    "婷": "亭庭廷",
    "红": "虹宏洪鸿",
    "鑫": "欣新馨",
    "昊": "浩皓",
    "博": "波柏伯",
    "旭": "绪序",
    "凯": "楷铠",
    "毅": "艺义益",
    "刚": "钢纲",
    "峰": "锋丰枫",
    "阳": "杨扬洋",
    "亮": "靓",
    "波": "博",
    "健": "建剑",
    "琳": "林霖",
    "莉": "丽俐",
    "倩": "茜",
    "悦": "月越跃",
    "璐": "路露",
    "国": "果",
    "华": "花桦",
    "东": "冬栋",
    "英": "莹瑛颖",
    "兰": "岚蓝澜",
    "梅": "玫媚",
    "秀": "绣",
    "志": "智治",
    "晓": "小筱",
    "俊": "骏峻",
    "子": "紫梓",
    "然": "冉",
    "一": "依怡",
    "振": "震",
    "卫": "伟维",
    "新": "鑫欣",
    "民": "敏珉",
    "爱": "艾",
    "玉": "宇雨",
    "凤": "丰",
    "淑": "书舒",
    "珍": "真贞",
    "春": "纯淳",
    "生": "声升",
    "文": "雯闻",
    "思": "斯丝",
    "远": "元源",
    "涵": "晗寒",
    "欣": "新鑫",
    "怡": "宜仪",
    "佳": "家嘉",
    "嘉": "佳家",
    "豪": "浩",
    "宏": "红洪",
    "永": "勇",
    "建": "健剑",
    "平": "萍苹",
    "金": "今",
    "龙": "隆",
    "庆": "青清",
    "丰": "峰锋",
    "广": "光",
    "义": "毅艺",
    "长": "常昌",
    "江": "疆",
    "保": "宝",
    "德": "得",
    "胜": "盛",
    "利": "丽力",
    "旗": "琪棋",
    "向": "翔",
    "学": "雪",
    "少": "绍",
    "亚": "雅娅",
    "楠": "南",
    "萍": "平",
    "菊": "桔",
    "素": "苏",
    "彦": "艳",
    "梦": "孟",
    "琪": "淇琦",
    "慧": "惠",
    "丹": "单",
    "世": "士",
    "天": "添",
    "书": "淑",
    "瑞": "锐蕊",
    "雪": "学",
}
# Sounds a Henan speaker (or a hurried typist) blurs: -ng/-n, zh/z, n/l.
NEAR_HOMOPHONES = {
    "明": "民",
    "敏": "铭",
    "静": "锦",
    "晶": "金",
    "玲": "琳",
    "琳": "玲",
    "林": "凌",
    "英": "音",
    "平": "品",
    "兵": "宾",
    "庆": "勤",
    "峰": "芬",
    "娜": "拉",
    "丽": "你",
    "刚": "甘",
    "强": "钱",
}
TRADITIONAL = {
    "张": "張",
    "刘": "劉",
    "陈": "陳",
    "杨": "楊",
    "赵": "趙",
    "黄": "黃",
    "吴": "吳",
    "孙": "孫",
    "马": "馬",
    "郑": "鄭",
    "谢": "謝",
    "韩": "韓",
    "冯": "馮",
    "董": "董",
    "许": "許",
    "邓": "鄧",
    "伟": "偉",
    "丽": "麗",
    "红": "紅",
    "军": "軍",
    "华": "華",
    "国": "國",
    "静": "靜",
    "敏": "敏",
    "娟": "娟",
    "兰": "蘭",
    "凤": "鳳",
    "龙": "龍",
    "东": "東",
    "庆": "慶",
    "丰": "豐",
    "义": "義",
    "长": "長",
    "宝": "寶",
    "胜": "勝",
    "学": "學",
    "梦": "夢",
    "琪": "琪",
    "书": "書",
    "艳": "艷",
    "鹏": "鵬",
    "辉": "輝",
    "涛": "濤",
    "晓": "曉",
    "凯": "凱",
    "刚": "剛",
    "亮": "亮",
    "波": "波",
    "健": "健",
    "莉": "莉",
    "倩": "倩",
    "悦": "悅",
    "璐": "璐",
    "楼": "樓",
    "庄": "莊",
    "营": "營",
    "镇": "鎮",
    "乡": "鄉",
    "区": "區",
    "阳": "陽",
    "组": "組",
    "号": "號",
    "湾": "灣",
    "岗": "崗",
    "桥": "橋",
    "园": "園",
    "关": "關",
    "门": "門",
    "冈": "岡",
    "集": "集",
    "店": "店",
    "庙": "廟",
}
CN_NUMERALS = "零一二三四五六七八九十"
ZHOUKOU_REGIONS = (
    ("411603",) * 7
    + ("411626",) * 2
    + (
        "411602",
        "411621",
        "411622",
        "411623",
        "411624",
        "411625",
        "411627",
        "411628",
        "411681",
    )
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
FULL_WIDTH = str.maketrans("0123456789Xx-+() ", "０１２３４５６７８９Ｘｘ－＋（）\u3000")


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def cn_number(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens]) + "十" + (CN_NUMERALS[units] if units else "")


# ---------------------------------------------------------------------------------------------
# The county


@dataclass(frozen=True)
class Place:
    village_code: str
    village: str  # "张庄村" / "羲皇社区"
    township: str  # "白楼镇"
    station_code: str
    urban: bool


@lru_cache(maxsize=1)
def demo_places() -> tuple[Place, ...]:
    """The demo county's villages with their townships, from the demo plan (no database needed)."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        os.environ["DJANGO_SETTINGS_MODULE"] = "concord.settings"
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from concord.core.demo import plan_county
    from concord.core.demo.county import STATIONS

    plan = plan_county()
    stations = plan.of_kind("station")
    township = {}
    for unit, spec in zip(stations, STATIONS, strict=True):
        township[unit.code] = "城关镇" if spec.urban else spec.area.split("（")[0]
    places = []
    for village in plan.of_kind("village"):
        station = village.path.strip("/").split("/")[1]
        places.append(
            Place(
                village.code,
                village.name,
                township[station],
                station,
                urban=village.name.endswith("社区"),
            )
        )
    return tuple(places)


def demo_unit_rows() -> list[tuple[str, str, str, str]]:
    """(code, name, kind, path) of the demo plan's units: what `gazetteer_from_units` reads."""
    demo_places()  # sets Django up
    from concord.core.demo import plan_county

    return [(u.code, u.name, str(u.kind), u.path) for u in plan_county().units]


# ---------------------------------------------------------------------------------------------
# People


@dataclass
class Person:
    person_id: str
    name: str
    sex: str
    born: dt.date
    id_number: str
    phones: list[str]
    place: Place
    group: int
    spouse: Person | None = None
    landline: str = ""
    records: int = 1


@dataclass(frozen=True)
class GeneratedRecord:
    record_id: str
    name: str
    id_number: str
    phone: str
    address: str
    birth_date: str
    person_id: str = field(default="", compare=False)

    def as_input(self) -> dict[str, str]:
        row = asdict(self)
        row.pop("person_id")
        return row


class _People:
    def __init__(self, rng: random.Random, places: Sequence[Place]):
        from concord.core.demo.names import GIVEN_NAMES, MOBILE_PREFIXES, SURNAMES

        self.rng = rng
        self.places = places
        self.surnames = SURNAMES
        self.surname_weights = [1.0 / (rank + 4) for rank in range(len(SURNAMES))]
        self.female = [g for g in GIVEN_NAMES if g in FEMALE_GIVEN]
        self.male = [g for g in GIVEN_NAMES if g not in FEMALE_GIVEN]
        self.mobile_prefixes = MOBILE_PREFIXES
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.people: list[Person] = []

    def surname(self, place: Place) -> str:
        rng = self.rng
        # 张庄 is full of 张: half the households of a village named after a family carry its name.
        if not place.urban and place.village[0] in self.surnames and rng.random() < 0.5:
            return place.village[0]
        if rng.random() < 0.01:
            return rng.choice(COMPOUND_SURNAMES)
        return rng.choices(self.surnames, weights=self.surname_weights)[0]

    def name(self, surname: str, sex: str) -> str:
        rng = self.rng
        if rng.random() < 0.10:
            common = [n for n in COMMON_NAMES if (n[1:] in FEMALE_GIVEN) == (sex == "F")]
            return rng.choice([n for n in common if n[0] == surname] or common)
        return surname + rng.choice(self.female if sex == "F" else self.male)

    def id_number(self, born: dt.date, sex: str) -> str:
        while True:
            serial = self.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            body = f"{self.rng.choice(ZHOUKOU_REGIONS)}{born:%Y%m%d}{serial:03d}"
            number = body + check_digit(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(self.mobile_prefixes) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def landline(self) -> str:
        while True:
            number = f"0394{self.rng.choice('2345678')}{self.rng.randrange(10**6):06d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def born(self, lo: int = 1945, hi: int = 2004) -> dt.date:
        start = dt.date(lo, 1, 1)
        return start + dt.timedelta(days=self.rng.randrange((dt.date(hi, 12, 31) - start).days))

    def person(self, place: Place, group: int, sex: str, born: dt.date, surname: str) -> Person:
        phones = [self.mobile()]
        if self.rng.random() < 0.15:
            phones.append(self.mobile())
        person = Person(
            person_id=f"P{len(self.people) + 1:06d}",
            name=self.name(surname, sex),
            sex=sex,
            born=born,
            id_number=self.id_number(born, sex),
            phones=phones,
            place=place,
            group=group,
        )
        self.people.append(person)
        return person

    def household(self) -> None:
        rng = self.rng
        place = rng.choice(self.places)
        group = rng.randint(1, 12)
        family = self.surname(place)
        sex = rng.choice("MF")
        head = self.person(
            place, group, sex, self.born(1945, 1995), family if sex == "M" else self.surname(place)
        )
        landline = self.landline() if rng.random() < 0.25 else ""
        head.landline = landline
        if rng.random() < 0.6:
            other = "F" if sex == "M" else "M"
            spouse_born = head.born + dt.timedelta(days=rng.randint(-5 * 365, 5 * 365))
            spouse = self.person(
                place, group, other, spouse_born, family if other == "M" else self.surname(place)
            )
            spouse.landline = landline
            head.spouse, spouse.spouse = spouse, head
        if rng.random() < 0.3 and head.born.year < 1980:
            child_sex = rng.choice("MF")
            child_born = min(
                head.born + dt.timedelta(days=rng.randint(20 * 365, 32 * 365)),
                dt.date(2005, 12, 31),
            )
            child = self.person(place, group, child_sex, child_born, family)
            child.landline = landline if rng.random() < 0.5 else ""


# ---------------------------------------------------------------------------------------------
# Noise: how each field gets written


class _Writer:
    def __init__(self, rng: random.Random):
        from concord.core.demo.names import GIVEN_NAMES

        self.rng = rng
        self.given_pool = GIVEN_NAMES

    def name(self, person: Person) -> str:
        rng, name = self.rng, person.name
        roll = rng.random()
        family = name[:2] if name[:2] in COMPOUND_SURNAMES else name[0]
        given = name[len(family) :]
        if roll < 0.66:
            return name
        if roll < 0.76:  # a homophone from the input method
            return family + self._swap(given, HOMOPHONES) if self._has(given, HOMOPHONES) else name
        if roll < 0.79:
            return (
                family + self._swap(given, NEAR_HOMOPHONES)
                if self._has(given, NEAR_HOMOPHONES)
                else name
            )
        if roll < 0.83:
            return "".join(TRADITIONAL.get(c, c) for c in name)
        if roll < 0.87:
            sep = rng.choice([" ", "\u3000", "  "])
            return family + sep + given
        if roll < 0.90:  # truncated: a three-character name loses its last character
            return name[:-1] if len(given) >= 2 else name
        if roll < 0.95:
            return rng.choice(
                [
                    family + "某",
                    family + "某某",
                    family + ("先生" if person.sex == "M" else "女士"),
                    ("老" if person.born.year < 1975 else "小") + family
                    if len(family) == 1
                    else family + "某",
                ]
            )
        if roll < 0.965:
            return f" {name} "
        if roll < 0.975:  # known by another name (a childhood name, a mix-up in the record)
            return family + rng.choice(self.given_pool)
        return ""

    def _has(self, text: str, table: dict[str, str]) -> bool:
        return any(c in table for c in text)

    def _swap(self, text: str, table: dict[str, str]) -> str:
        positions = [i for i, c in enumerate(text) if c in table]
        i = self.rng.choice(positions)
        return text[:i] + self.rng.choice(table[text[i]]) + text[i + 1 :]

    def id_number(self, person: Person) -> str:
        rng, number = self.rng, person.id_number
        if rng.random() >= 0.65:
            return ""
        roll = rng.random()
        if roll < 0.70:
            shown = number
        elif roll < 0.78 and person.born.year < 1990:  # the old 15-digit card
            return number[:6] + number[8:17]
        elif roll < 0.86:  # two neighbouring digits swapped
            i = rng.randrange(16)
            while number[i] == number[i + 1]:
                i = rng.randrange(16)
            shown = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        elif roll < 0.92:  # a digit left out
            i = rng.randrange(18)
            shown = number[:i] + number[i + 1 :]
        else:  # a digit mistyped
            i = rng.randrange(6, 17)
            wrong = rng.choice([d for d in "0123456789" if d != number[i]])
            shown = number[:i] + wrong + number[i + 1 :]
        style = rng.random()
        if style < 0.08:
            return shown.lower()
        if style < 0.14:
            return f"{shown[:6]} {shown[6:14]} {shown[14:]}"
        if style < 0.18:
            return shown.translate(FULL_WIDTH)
        return shown

    def phone(self, person: Person) -> str:
        rng = self.rng
        if rng.random() >= 0.8:
            return ""
        roll = rng.random()
        if roll < 0.12 and person.landline:
            number = person.landline
        elif roll < 0.22 and person.spouse is not None:
            number = person.spouse.phones[0]  # "call my husband"
        else:
            number = rng.choice(person.phones)
        if rng.random() < 0.02:  # one digit mistyped
            i = rng.randrange(3, len(number))
            number = (
                number[:i]
                + rng.choice([d for d in "0123456789" if d != number[i]])
                + number[i + 1 :]
            )
        text = self._format_phone(number)
        if rng.random() < 0.12:
            second = [p for p in (*person.phones, person.landline) if p and p != number]
            if second:
                text += rng.choice(["/", "，", "、", " 或 ", ";"]) + self._format_phone(
                    rng.choice(second)
                )
        return text

    def _format_phone(self, number: str) -> str:
        rng = self.rng
        roll = rng.random()
        if number.startswith("0"):  # a landline
            area, local = number[:4], number[4:]
            return rng.choice(
                [
                    f"{area}-{local}",
                    f"({area}){local}",
                    f"{area} {local[:3]} {local[3:]}",
                    number,
                    local,
                    f"+86 {area[1:]} {local}",
                ]
            )
        if roll < 0.45:
            return number
        if roll < 0.55:
            return "+86 " + number
        if roll < 0.60:
            return "0086" + number
        if roll < 0.74:
            return f"{number[:3]}-{number[3:7]}-{number[7:]}"
        if roll < 0.88:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        if roll < 0.94:
            return number.translate(FULL_WIDTH)
        return "+86-" + number

    def address(self, person: Person, places: Sequence[Place]) -> str:
        rng = self.rng
        if rng.random() >= 0.8:
            return ""
        place, group = person.place, person.group
        if rng.random() < 0.02:  # a workplace or a relative's home
            place, group = rng.choice(places), rng.randint(1, 12)
        if rng.random() < 0.03:  # the wrong 村民小组
            group = max(1, group + rng.choice([-1, 1]))
        village = place.village
        stem = village.removesuffix("村").removesuffix("社区")
        n = group
        roll = rng.random()
        if roll < 0.22:
            text = f"淮阳区{place.township}{village}{n}组"
        elif roll < 0.36:
            text = f"{place.township}{stem}"
        elif roll < 0.54:
            text = f"{stem}{n}组"
        elif roll < 0.64:
            text = f"{village}{cn_number(n)}组"
        elif roll < 0.73:
            text = f"河南省周口市淮阳区{place.township}{village}{n}组{rng.randint(1, 80)}号"
        elif roll < 0.82:
            text = f"{place.township}{village}"
        elif roll < 0.90:
            text = f"{village}{n}组"
        elif roll < 0.95:
            text = f"淮阳县{place.township.replace('镇', '乡') if rng.random() < 0.3 else place.township}{village}"
        else:
            text = f"{place.township}{stem} {n} 组"
        if rng.random() < 0.04:
            text = "".join(TRADITIONAL.get(c, c) for c in text)
        return text

    def birth_date(self, person: Person) -> str:
        rng = self.rng
        if rng.random() >= 0.25:
            return ""
        born = person.born
        if rng.random() < 0.03:
            born = born + dt.timedelta(days=rng.choice([-1, 1, 31, -31, 365]))
        return rng.choice(
            [
                born.isoformat(),
                f"{born.year}/{born.month}/{born.day}",
                f"{born:%Y%m%d}",
                f"{born.year}年{born.month}月{born.day}日",
                f"{born.year}.{born.month:02d}.{born.day:02d}",
            ]
        )


def _unnamed(name: str) -> bool:
    name = name.strip()
    return not name or "某" in name or name.endswith(("先生", "女士")) or name[0] in "老小"


_RECORD_COUNTS = (1, 2, 3, 4, 5, 6, 8)
_RECORD_WEIGHTS = (30, 25, 18, 12, 8, 4, 3)


def generate_records(
    n_records: int = 20_000, *, seed: int = DEFAULT_SEED, places: Sequence[Place] | None = None
) -> list[GeneratedRecord]:
    """n_records noisy records of people in the demo county, shuffled, each with its true person_id."""
    places = places or demo_places()
    rng = random.Random(f"{seed}:people")
    people = _People(rng, places)
    total = 0
    while total < n_records:
        before = len(people.people)
        people.household()
        for person in people.people[before:]:
            person.records = rng.choices(_RECORD_COUNTS, weights=_RECORD_WEIGHTS)[0]
            total += person.records
    writer = _Writer(random.Random(f"{seed}:records"))
    rows = []
    for person in people.people:
        for _i in range(person.records):
            name, id_number = writer.name(person), writer.id_number(person)
            phone, address = writer.phone(person), writer.address(person, places)
            birth_date = writer.birth_date(person)
            # A record nobody could ever trace is not kept: it names the person with an ID number
            # or a phone, or at least gives a real name and where they live.
            if not (id_number or phone) and (not address or _unnamed(name)):
                phone = writer._format_phone(rng.choice(person.phones))
            rows.append((name, id_number, phone, address, birth_date, person.person_id))
    rng.shuffle(rows)
    rows = rows[:n_records]
    return [GeneratedRecord(f"R{i:06d}", *row) for i, row in enumerate(rows, start=1)]


def write_csv(
    path: str | Path,
    records: Iterable[GeneratedRecord],
    *,
    truth: bool = False,
    encoding: str = "utf-8",
) -> Path:
    """The records as `concord link` input (with a person_id column too when `truth`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (*INPUT_HEADER, "person_id") if truth else INPUT_HEADER
    with path.open("w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        for record in records:
            row = asdict(record)
            out.writerow([row[column] for column in header])
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--output", default="var/bench/people.csv")
    parser.add_argument("--truth", action="store_true", help="add the person_id column")
    args = parser.parse_args(argv)
    path = write_csv(args.output, generate_records(args.records, seed=args.seed), truth=args.truth)
    print(f"{args.records} records → {path}")


if __name__ == "__main__":
    main()
