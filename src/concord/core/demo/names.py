"""Name pools for the demo county: villages, communities, people and phone numbers.

Everything here is drawn from a `random.Random` the caller passes in, so one seed gives one county.
The pools are plain data; the functions only pick from them.
"""

import random
from collections.abc import Sequence

# Common surnames in eastern Henan, most frequent first (the order gives the weights).
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高郭马何罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏田任姜范方石姚谭邹金陆郝孔白崔康毛邱秦江史侯邵孟段雷钱汤常武乔贺龚葛"
)

# Village name endings typical of the Huaihe plain, with how common each is.
VILLAGE_SUFFIXES = {
    "庄": 6,
    "楼": 4,
    "营": 3,
    "寨": 3,
    "集": 1,
    "店": 1,
    "庙": 1,
    "口": 1,
    "湾": 1,
    "屯": 1,
    "岗": 1,
    "园": 1,
    "桥": 1,
}

# Urban residents' communities (社区) of the county town; 宛丘 and 陈州 are the town's old names,
# 羲皇 and 太昊 its legendary founder, 龙湖 and 柳湖 its lakes.
COMMUNITY_NAMES = (
    "羲皇",
    "龙湖",
    "陈州",
    "弦歌",
    "柳湖",
    "太昊",
    "画卦",
    "莲花",
    "文正",
    "南坛",
    "北关",
    "东关",
    "西关",
    "南关",
    "锦绣",
    "人和",
    "东湖",
    "西湖",
    "蔡河",
    "新华",
    "建设",
    "解放",
    "健康",
    "和平",
    "育新",
    "迎宾",
    "朝阳",
    "光明",
    "友谊",
    "文化",
    "幸福",
    "平粮台",
    "白龟",
    "八卦",
    "统一",
    "五谷台",
    "春秋",
    "伏羲",
    "汉风",
    "宛丘",
)

GIVEN_NAMES = (
    "伟",
    "磊",
    "强",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "超",
    "明",
    "鹏",
    "辉",
    "浩",
    "宇",
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
    "鑫",
    "昊",
    "博",
    "帅",
    "旭",
    "凯",
    "毅",
    "刚",
    "峰",
    "阳",
    "亮",
    "波",
    "健",
    "琳",
    "莉",
    "倩",
    "雪",
    "悦",
    "璐",
    "建国",
    "建军",
    "国强",
    "志强",
    "海涛",
    "红梅",
    "秀兰",
    "桂兰",
    "丽娟",
    "晓东",
    "晓燕",
    "俊杰",
    "子豪",
    "浩然",
    "一鸣",
    "振华",
    "振东",
    "卫东",
    "卫国",
    "新民",
    "爱国",
    "玉兰",
    "玉梅",
    "凤英",
    "秀英",
    "桂英",
    "淑珍",
    "春生",
    "春华",
    "文博",
    "文静",
    "思远",
    "雨涵",
    "梓涵",
    "欣怡",
    "佳怡",
    "嘉豪",
    "宏伟",
    "永强",
    "永刚",
    "建华",
    "建平",
    "金龙",
    "海燕",
    "海峰",
    "庆丰",
    "广义",
    "广民",
    "长江",
    "保国",
    "保安",
    "德胜",
    "德明",
    "利民",
    "红旗",
    "向阳",
    "学军",
    "学文",
    "少华",
    "亚楠",
    "亚萍",
    "晓丽",
    "晓明",
    "雪梅",
    "雪松",
    "冬梅",
    "秋菊",
    "兰英",
    "素芳",
    "彦军",
    "彦辉",
    "志刚",
    "志勇",
    "国庆",
    "国华",
    "明亮",
    "梦琪",
    "慧敏",
    "丹丹",
    "朝阳",
    "世杰",
    "天宇",
    "家乐",
    "瑞华",
    "书豪",
)

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
)

_SURNAME_WEIGHTS = [1.0 / (rank + 4) for rank in range(len(SURNAMES))]


def weighted_sample(
    rng: random.Random, items: Sequence[str], weights: Sequence[float], k: int
) -> list[str]:
    """k distinct items, the heavier ones likelier (Efraimidis–Spirakis keys)."""
    if k > len(items):
        raise ValueError(f"asked for {k} distinct names from a pool of {len(items)}")
    keyed = sorted(
        ((rng.random() ** (1.0 / w), item) for item, w in zip(items, weights, strict=True)),
        reverse=True,
    )
    return [item for _, item in keyed[:k]]


def village_names(rng: random.Random, k: int) -> list[str]:
    """k distinct rural village names such as 张庄村, 李楼村, 王营村."""
    items, weights = [], []
    for surname, sw in zip(SURNAMES, _SURNAME_WEIGHTS, strict=True):
        for suffix, xw in VILLAGE_SUFFIXES.items():
            items.append(f"{surname}{suffix}村")
            weights.append(sw * xw)
    return weighted_sample(rng, items, weights, k)


def community_names(rng: random.Random, k: int) -> list[str]:
    """k distinct urban community names such as 羲皇社区."""
    if k > len(COMMUNITY_NAMES):
        raise ValueError(f"asked for {k} communities from a pool of {len(COMMUNITY_NAMES)}")
    return [f"{name}社区" for name in rng.sample(COMMUNITY_NAMES, k)]


class PeopleNamer:
    """Distinct, plausible Chinese names and mobile numbers, in a fixed order for a given rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._names: set[str] = set()
        self._phones: set[str] = set()

    def name(self) -> str:
        while True:
            surname = self.rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
            candidate = surname + self.rng.choice(GIVEN_NAMES)
            if candidate not in self._names:
                self._names.add(candidate)
                return candidate

    def phone(self) -> str:
        while True:
            candidate = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if candidate not in self._phones:
                self._phones.add(candidate)
                return candidate
