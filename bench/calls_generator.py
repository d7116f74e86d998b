"""Police call records (110警情) for `concord scan-calls`: any number, deterministic, streamed.

Each call is one row of `call_id,received_at,caller_name,caller_phone,address,text` as a 110
command centre exports it: a call number, the time, the caller as the operator typed them, the
place, and the operator's short summary (简要警情). About three in ten calls describe a dispute of
one of the ten categories of DESIGN §3; the rest are thefts, frauds, traffic accidents, lost people,
fires, enquiries, silent calls… Some dispute calls carry a threat to kill, self-harm, a weapon,
violence, a crowd or stalking, in the words callers use.

The vocabulary is this module's own (templates with slots), not sentences of the classifier's
corpus, so a benchmark or test on these calls measures the classifier on text it never saw.

Callers live in households of the demo county (`concord.core.demo.county.plan_county`): a village
or urban community, a group or a block, a door number, a phone. A household calls again and again:
a few "troubled" households (a feud, a violent marriage) make a large share of the dispute calls, so
the same phone and the same address come back within a year, as they do in a real county. The
phone is typed in several ways for the same household ("13812345678", "138-1234-5678",
"+86 138 1234 5678"); the address is written with or without the county and township, and a few
name only a landmark by a township ("白楼镇政府对面") or nothing in the county at all ("连霍高速服务区").

Every call carries its truth (category, the village and station it is in), so tests and benchmarks
can check what the scan made of it. Calls come in time order, about `per_day` a day up to `end`.

    python -m bench.calls_generator 100000 var/bench/calls.csv [--xlsx] [--chinese-headers]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_SEED = 110
DEFAULT_END = dt.datetime(2026, 6, 30, 23, 0)
COLUMNS = ("call_id", "received_at", "caller_name", "caller_phone", "address", "text")
CHINESE_COLUMNS = ("警情编号", "报警时间", "报警人", "联系电话", "发生地址", "简要警情")

# --- the county ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Village:
    code: str
    name: str  # as the territory has it: 张庄村, 羲皇社区
    urban: bool
    station_code: str
    township: str  # the township (乡/镇) as addresses write it: 白楼镇, 城关镇


@dataclass(frozen=True)
class Station:
    code: str
    stem: str  # 白楼
    township: str  # 白楼镇; "" for the county town's stations (three share 城关镇)


@lru_cache(maxsize=4)
def county(seed: int | None = None) -> tuple[tuple[Village, ...], tuple[Station, ...]]:
    """The demo county's villages and stations (needs Django set up: the plan lives with the models)."""
    from concord.core.demo.county import DEFAULT_SEED as COUNTY_SEED
    from concord.core.demo.county import STATIONS, plan_county

    plan = plan_county(COUNTY_SEED if seed is None else seed)
    specs = {spec.name: spec for spec in STATIONS}
    stations, station_of = [], {}
    for unit in plan.of_kind("station"):
        spec = specs[unit.name]
        area = spec.area.split("（")[0].replace("回族", "")
        stem = unit.name.removesuffix("派出所")
        # Only a township named like its station is one place ("白楼镇" ↔ 白楼派出所).
        township = area if area.startswith(stem) else ""
        stations.append(Station(unit.code, stem, township))
        station_of[unit.code] = (spec, area)
    villages = []
    for unit in plan.of_kind("village"):
        station_code = unit.path.strip("/").split("/")[1]
        spec, area = station_of[station_code]
        villages.append(Village(unit.code, unit.name, spec.urban, station_code, area))
    return tuple(villages), tuple(stations)


# --- the vocabulary ------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高郭马何罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏"
GIVEN = [
    "建国",
    "卫东",
    "秀英",
    "桂兰",
    "志强",
    "海燕",
    "小军",
    "红霞",
    "国庆",
    "玉梅",
    "振华",
    "春生",
    "素芬",
    "德山",
    "永胜",
    "翠花",
    "金凤",
    "明亮",
    "保全",
    "文杰",
    "丽娟",
    "长海",
    "新民",
    "爱玲",
    "俊峰",
    "晓燕",
    "大伟",
    "二妮",
    "老三",
    "凤琴",
    "广才",
    "学军",
    "淑珍",
    "宏伟",
]
ESTATES = ("锦绣花园", "龙湖名苑", "羲皇小区", "建业森林半岛", "康居小区", "中原新城", "文化苑")
FARM_PLACES = ("村东头", "村西头", "村口", "麦地里", "自家院内", "家门口", "村委会门口")
PLACES = ("超市门口", "菜市场", "学校门口", "汽车站", "十字路口", "网吧", "饭店", "加油站")
WORKPLACES = ("工地", "板材厂", "饭店", "物流园", "纺织厂", "养殖场", "装修队")
CLINICS = ("乡卫生院", "县人民医院", "村卫生室", "中医院", "私人诊所", "妇幼保健院")
SHOPS = ("健身房", "理发店", "培训班", "美容院", "洗车店", "游泳馆")
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "152", "158", "166", "176", "187")


def _pick(rng: random.Random, items):
    return items[rng.randrange(len(items))]


def _money(rng: random.Random, lo: int, hi: int) -> str:
    value = rng.randint(lo, hi)
    return f"{value}万元" if value >= 10_000 and value % 10_000 == 0 else f"{value}元"


def _someone(rng: random.Random) -> str:
    return f"{_pick(rng, SURNAMES)}某"


# Each template takes the rng and gives the operator's summary of what the caller said.
def _family(rng):
    return _pick(
        rng,
        (
            f"报警人称其丈夫酒后回家{_pick(rng, ('无故吵闹', '摔东西', '辱骂她', '动手推搡她'))}，"
            f"双方因{_pick(rng, ('离婚', '孩子抚养', '彩礼', '家务'))}问题发生争吵",
            f"报警人称与妻子因离婚财产分割发生纠纷，{_pick(rng, ('双方各执一词', '对方不让其进门'))}",
            f"报警人称其儿子儿媳不赡养{rng.randint(72, 91)}岁的老母亲，兄弟几人互相推诿",
            f"报警人称前{_pick(rng, ('男友', '女友', '夫'))}一直纠缠不休，每天在其单位门口蹲守",
            f"报警人称兄弟{_pick(rng, ('两', '三'))}人因父亲留下的房产分配问题发生争执",
            "报警人称女儿谈恋爱家里不同意，男方家人上门吵闹要人",
            "报警人称与婆婆因照看孩子的事吵架，丈夫夹在中间不管",
        ),
    )


def _neighbour(rng):
    matter = _pick(
        rng,
        (
            "排水沟堵塞，雨水流进其院子",
            "对方盖房子院墙占了公共过道",
            "楼上邻居深夜噪音太大",
            "邻居家的狗整夜乱叫",
            "对方在其门口堆放杂物和柴火",
            "邻居房檐滴水落到其屋顶",
            "对方装的空调外机对着其窗户",
            "邻居在楼道里烧东西烟熏进屋",
        ),
    )
    tail = _pick(rng, ("，双方发生争吵", "，多次协商未果", "，双方互不相让", "，现场吵得很凶"))
    return f"报警人称{matter}{tail}"


def _land(rng):
    who = _someone(rng)
    return _pick(
        rng,
        (
            f"报警人称与同村{who}因宅基地边界发生纠纷，对方要把界桩挪走",
            f"报警人称{who}把其承包地的地界犁掉了一垄，双方争执",
            f"报警人称{who}在其家祖坟旁边开荒种地，双方发生争吵",
            "报警人称村里调整土地时其家的地被少分，与组长发生争执",
            f"报警人称{who}砍了其家地头的杨树，双方因林木归属吵起来",
            f"报警人称浇地时与{who}因机井使用先后发生争执",
        ),
    )


def _debt(rng):
    who = _someone(rng)
    kind = _pick(rng, ("借款", "货款", "工程款", "合伙做生意的钱", "卖粮款"))
    return _pick(
        rng,
        (
            f"报警人称{who}欠其{kind}{_money(rng, 3000, 200000)}一直不还，双方发生争执",
            f"报警人称到{who}家中讨要{kind}，对方避而不见，家属与其争吵",
            f"报警人称给{who}做担保，现在债主天天上门让其还钱",
            f"报警人称{who}承诺的投资回报一直没兑现，本金{_money(rng, 10000, 300000)}也要不回来",
        ),
    )


def _labour(rng):
    place = _pick(rng, WORKPLACES)
    return _pick(
        rng,
        (
            f"报警人称在{place}干活被拖欠工资{_money(rng, 2000, 60000)}，老板拒不支付",
            f"报警人称工人{_pick(rng, ('十几', '二十多', '七八'))}人在{place}门口讨要工资",
            f"报警人称在{place}干活时受伤，老板不给看病也不给赔偿",
            f"报警人称被{place}无故辞退，工资没结清，双方发生争执",
            "报警人称跑外卖被平台扣钱，与站点负责人发生争执",
        ),
    )


def _medical(rng):
    clinic = _pick(rng, CLINICS)
    return _pick(
        rng,
        (
            f"报警人称其父亲在{clinic}治疗后病情加重去世，家属与院方发生纠纷",
            f"报警人称孩子在{clinic}打针后出现过敏反应，家属要求院方说法",
            f"报警人称在{clinic}做完手术后出现并发症，与医生发生争执",
            f"报警人称家属在{clinic}门口摆放花圈讨要说法",
        ),
    )


def _requisition(rng):
    return _pick(
        rng,
        (
            "报警人称对征地补偿标准不满，在工地阻拦施工",
            "报警人称拆迁安置房迟迟不交付，与开发商发生争执",
            "报警人称自家房屋被强行拆除，补偿款至今未到位",
            "报警人称新分的安置房漏水墙体开裂，找开发商无人处理",
            "报警人称修路占了其家的地，青苗补偿没给",
        ),
    )


def _damages(rng):
    who = _someone(rng)
    return _pick(
        rng,
        (
            f"报警人称其车辆被{who}的三轮车刮蹭，双方因赔偿问题发生争执",
            f"报警人称{who}家的狗咬伤其孩子，对方不愿承担医药费",
            f"报警人称楼上{who}家漏水把其家装修泡坏，对方拒绝赔偿",
            f"报警人称{who}家养殖场排污导致其鱼塘死鱼，要求赔偿",
            f"报警人称{who}放羊啃了其家的麦苗，双方因赔偿争吵",
        ),
    )


def _property(rng):
    shop = _pick(rng, SHOPS)
    estate = _pick(rng, ESTATES)
    return _pick(
        rng,
        (
            f"报警人称与{estate}物业因停车收费发生纠纷，物业不让其车辆进入",
            f"报警人称在{shop}办的预付卡无法退费，与商家发生争执",
            f"报警人称{estate}冬季暖气不热，业主与物业发生争吵",
            "报警人称在网上买的家具质量有问题，商家拒绝退换",
        ),
    )


def _other(rng):
    return _pick(
        rng,
        (
            f"报警人称与{_someone(rng)}因琐事发生口角",
            f"报警人称在{_pick(rng, PLACES)}与他人因排队发生争执",
            f"报警人称与{_someone(rng)}因打牌输赢问题吵了起来",
        ),
    )


DISPUTES = {
    "family": (_family, 22),
    "neighbour": (_neighbour, 22),
    "land": (_land, 10),
    "debt": (_debt, 12),
    "labour": (_labour, 8),
    "medical": (_medical, 3),
    "requisition": (_requisition, 4),
    "damages": (_damages, 9),
    "property": (_property, 5),
    "other": (_other, 5),
}

# What raises the risk, as callers say it; appended to a dispute's summary (flag, phrase).
RISKS = (
    ("threat_kill", "对方扬言要杀了他全家"),
    ("threat_kill", "对方扬言要放火烧了他家房子"),
    ("threat_kill", "对方说要跟他同归于尽"),
    ("threat_kill", "对方扬言要弄死他"),
    ("self_harm", "其称已经买了农药，不解决就喝了"),
    ("self_harm", "其站在楼顶说要跳楼"),
    ("self_harm", "其扬言要去跳河"),
    ("weapon", "对方手持菜刀在门口叫骂"),
    ("weapon", "对方拿着铁锹堵在门口"),
    ("violence", "双方发生厮打，其头部被打破"),
    ("violence", "对方动手把其打伤"),
    ("group", "现场聚集三十多人"),
    ("stalking", "对方天天跟踪她"),
    ("repeat", "此前已多次报警"),
)


def _none(rng):
    place = _pick(rng, PLACES)
    return _pick(
        rng,
        (
            f"报警人称其停放在{place}的电动车被盗",
            f"报警人称接到自称快递客服的电话，被骗{_money(rng, 500, 80000)}",
            f"报警人称{place}附近两车相撞，无人员受伤，请求处理",
            f"报警人称其{rng.randint(75, 90)}岁的父亲早上出门至今未归",
            f"报警人称{place}有人晕倒在地，请求救助",
            f"报警人称{place}旁边一处仓库起火",
            f"报警人称在{place}捡到钱包一个，内有身份证",
            "报警人咨询户口迁移需要带什么材料",
            f"报警人称{place}路段车辆拥堵严重",
            "报警人称手机在公交车上丢失",
            f"报警人称有人醉酒躺在{place}",
            f"报警人称家中被盗，丢失现金{_money(rng, 500, 20000)}",
            "报警人无声，回拨无人接听",
            "报警人称误拨，无警情",
            f"报警人称{place}有可疑人员在车辆旁边转悠",
            "报警人称网购刷单被骗，对方已将其拉黑",
            f"报警人称其孩子放学后没有回家，{rng.randint(7, 13)}岁",
            "报警人称高速路上有货物散落",
        ),
    )


# --- households and calls ------------------------------------------------------------------------


@dataclass(frozen=True)
class Household:
    number: int
    village: Village
    address: str  # the full address (村/社区 + group + door)
    short_address: str  # as callers often give it (no township)
    caller: str
    phone: str  # the normalised number (the truth)
    landline: bool


def household(seed: int, number: int) -> Household:
    rng = random.Random(f"{seed}:household:{number}")
    villages, _stations = county()
    village = _pick(rng, villages)
    if village.urban:
        door = (
            f"{_pick(rng, ESTATES)}{rng.randint(1, 30)}号楼{rng.randint(1, 4)}单元"
            f"{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
        )
    else:
        door = f"{rng.randint(1, 12)}组{rng.randint(1, 99)}号"
    name = _pick(rng, SURNAMES) + _pick(rng, GIVEN)
    landline = rng.random() < 0.08
    phone = (
        f"0394{rng.randint(2, 8)}{rng.randrange(10**6):06d}"
        if landline
        else f"{_pick(rng, MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
    )
    short = f"{village.name}{door}"
    return Household(number, village, f"{village.township}{short}", short, name, phone, landline)


def typed_phone(rng: random.Random, phone: str, landline: bool) -> str:
    """The phone as an operator typed it this time."""
    r = rng.random()
    if landline:
        if r < 0.5:
            return phone
        return f"{phone[:4]}-{phone[4:]}" if r < 0.85 else f"({phone[:4]}){phone[4:]}"
    if r < 0.70:
        return phone
    if r < 0.82:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    if r < 0.92:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return f"+86 {phone}" if r < 0.97 else f"+86{phone}"


def typed_address(rng: random.Random, home: Household) -> str:
    r = rng.random()
    if r < 0.45:
        return home.address
    if r < 0.55:
        return f"淮阳区{home.address}"
    return home.short_address


UNPLACEABLE = ("连霍高速服务区", "不详", "外地", "周口市区", "高速收费站", "商丘市睢阳区")
TIMESTAMP_STYLES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "ymd_cn")


@dataclass(frozen=True)
class GeneratedCall:
    call_id: str
    received_at: dt.datetime  # naive, the bureau's local time
    received_text: str  # as the export writes it
    caller_name: str
    caller_phone: str
    address: str
    text: str
    # the truth
    category: str  # a category code or "none"
    risks: tuple[str, ...]  # flags the generator put in the text
    household: int | None  # who called (None for a call not from a county household)
    phone: str  # normalised caller phone, "" if none given
    village_code: str | None  # where the call happened, if the address names a village
    station_code: str | None  # the station whose area it is in, if the address says
    door_address: bool  # the address names a door in a village (a "specific address")
    bad: str = ""  # why the row is bad on purpose, or ""

    def row(self) -> tuple[str, ...]:
        return (
            self.call_id,
            self.received_text,
            self.caller_name,
            self.caller_phone,
            self.address,
            self.text,
        )


def _when_text(rng: random.Random, at: dt.datetime) -> str:
    style = _pick(rng, TIMESTAMP_STYLES)
    if style == "ymd_cn":
        return f"{at.year}年{at.month}月{at.day}日{at.hour}时{at.minute}分"
    return at.strftime(style)


def generate_calls(
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    end: dt.datetime = DEFAULT_END,
    per_day: int = 400,
    dispute_share: float = 0.3,
    risk_share: float = 0.08,
    bad_share: float = 0.0,
) -> Iterator[GeneratedCall]:
    """`n` calls in time order ending at `end`, about `per_day` a day; the same arguments give the
    same calls. `bad_share` of rows are broken on purpose (no text, no call id, an impossible
    date), marked in `bad`."""
    rng = random.Random(f"{seed}:calls")
    villages, stations = county()
    townships = [s for s in stations if s.township]
    households = max(200, int(n * 0.4))  # distinct households grow with the file
    # Feuds and violent homes that call again and again: about six dispute calls a year each in a
    # long file (a county has a thousand or so), more in a short one.
    troubled = max(20, min(1200, n // 100))
    span = dt.timedelta(days=max(1.0, n / per_day))
    start = end - span
    step = span / max(n, 1)
    categories = list(DISPUTES)
    weights = [DISPUTES[c][1] for c in categories]
    feud_category: dict[int, str] = {}
    for i in range(n):
        at = (start + step * (i + rng.random() * 0.9)).replace(microsecond=0)
        is_dispute = rng.random() < dispute_share
        if is_dispute and rng.random() < 0.15:
            number = rng.randrange(troubled)  # a troubled household calls again
        else:
            number = troubled + rng.randrange(households)
        home = household(seed, number)
        if is_dispute:
            if number < troubled:
                category = feud_category.setdefault(
                    number, rng.choices(categories, weights=weights)[0]
                )
            else:
                category = rng.choices(categories, weights=weights)[0]
            text = DISPUTES[category][0](rng)
            risks: tuple[str, ...] = ()
            if rng.random() < risk_share:
                flag, phrase = _pick(rng, RISKS)
                text, risks = f"{text}，{phrase}", (flag,)
        else:
            category, risks = "none", ()
            text = _none(rng)
        where = rng.random()
        village_code: str | None = home.village.code
        station_code: str | None = home.village.station_code
        door = True
        if where < 0.88:
            address = typed_address(rng, home)
        elif where < 0.95 and townships:
            station = _pick(rng, townships)
            address = (
                f"{station.township}{_pick(rng, ('政府对面', '集市', '中学门口', '卫生院旁'))}"
            )
            village_code, station_code, door = None, station.code, False
        elif where < 0.975:
            address = f"{home.village.name}{_pick(rng, FARM_PLACES)}"
            door = False
        else:
            address = _pick(rng, UNPLACEABLE)
            village_code, station_code, door = None, None, False
        name_roll = rng.random()
        caller = (
            home.caller
            if name_roll < 0.8
            else f"{home.caller[0]}{'先生' if rng.random() < 0.5 else '女士'}"
            if name_roll < 0.95
            else "匿名"
        )
        phone_roll = rng.random()
        phone, typed = home.phone, typed_phone(rng, home.phone, home.landline)
        if phone_roll < 0.02:
            phone, typed = "", ""
        call = GeneratedCall(
            call_id=f"J411603{at:%Y%m%d}{i:07d}",
            received_at=at,
            received_text=_when_text(rng, at),
            caller_name=caller,
            caller_phone=typed,
            address=address,
            text=text,
            category=category,
            risks=risks,
            household=number,
            phone=phone,
            village_code=village_code,
            station_code=station_code,
            door_address=door,
        )
        if bad_share and rng.random() < bad_share:
            call = _broken(rng, call)
        yield call


def _broken(rng: random.Random, call: GeneratedCall) -> GeneratedCall:
    from dataclasses import replace

    kind = rng.randrange(3)
    if kind == 0:
        return replace(call, text="", bad="text")
    if kind == 1:
        return replace(call, call_id="", bad="call_id")
    return replace(call, received_text=f"{call.received_at.year}-02-30 25:61", bad="received_at")


# --- files ---------------------------------------------------------------------------------------


def write_csv(
    path: str | Path,
    calls: Iterable[GeneratedCall],
    *,
    chinese_headers: bool = False,
    encoding: str = "utf-8",
) -> int:
    """Write the calls as CSV, streaming; returns how many rows were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CHINESE_COLUMNS if chinese_headers else COLUMNS)
        for call in calls:
            writer.writerow(call.row())
            rows += 1
    return rows


def write_xlsx(
    path: str | Path,
    calls: Iterable[GeneratedCall],
    *,
    chinese_headers: bool = True,
    title: str = "",
) -> int:
    """Write the calls as XLSX (constant memory); times are real Excel date cells unless the row
    is broken on purpose. `title` adds a title row above the header, as ledgers often have."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("警情")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    text_format = book.add_format({"num_format": "@"})
    r = 0
    if title:
        sheet.write_string(r, 0, title)
        r += 1
    for c, name in enumerate(CHINESE_COLUMNS if chinese_headers else COLUMNS):
        sheet.write_string(r, c, name)
    rows = 0
    for call in calls:
        r += 1
        values = call.row()
        for c, value in enumerate(values):
            if c == 1 and not call.bad:
                sheet.write_datetime(r, c, call.received_at, when)
            else:
                sheet.write_string(r, c, value, text_format)
        rows += 1
    book.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate police call records for scan-calls.")
    parser.add_argument("n", type=int)
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--xlsx", action="store_true")
    parser.add_argument("--chinese-headers", action="store_true")
    parser.add_argument("--bad-share", type=float, default=0.0)
    args = parser.parse_args(argv)
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    django.setup()
    calls = generate_calls(args.n, seed=args.seed, bad_share=args.bad_share)
    if args.xlsx:
        rows = write_xlsx(args.output, calls, chinese_headers=True)
    else:
        rows = write_csv(args.output, calls, chinese_headers=args.chinese_headers)
    print(f"{rows} calls written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
