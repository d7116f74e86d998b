"""Risk flags from Chinese free text, by a versioned rule lexicon (pure Python, no Django).

`text_signals(text)` reads a 110 call summary ("报警人称…"), a grid worker's note ("网格员走访发现…"),
a 12345 ticket ("市民来电反映…") or a walk-in record ("来访人反映…") and returns the risk flags of
DESIGN §3 it raises, the phrases that raised each flag, and the largest number of people the text
says are involved. The rules are data, ``data/lexicon_v1.json``; its ``version`` travels with every
result, so a stored assessment can say which lexicon flagged it.

How a text is read
------------------
1. Normalise: full-width digits and letters become half-width (NFKC's folding, done by one
   ``str.translate`` and only when the text holds such a character), common traditional characters
   become simplified (a table in the lexicon, not full OpenCC), whitespace goes, line breaks become
   "。", letters are lower-cased. Chinese punctuation stays; clause breaks know both widths.
2. Mask idioms and false friends ("打官司", "打工", "拼搏", "刀具店", "开刀", "杀价", "气死我了",
   "跳楼价", "精神损失费", "集体土地", "跟踪处理进展"…): they are blanked with a placeholder of the
   same length, so offsets stay and no rule can match inside them.
3. Match the rules (regular expressions, one alternation per rule). Where a word alone is ambiguous
   a rule needs its object or context: "拼命" is a threat in "要跟他拼命" / "拼了这条命" but not in
   "拼命工作"; "砍他" is, "砍了他家的树" is not; farm and household tools (铁锹, 锄头, 镰刀, 砖头,
   板凳…) are weapons only with a holding verb right before them ("手持铁锹") or a use against
   someone right after them ("铁锹拍"), while 菜刀, 匕首, 汽油瓶, 枪 are weapons wherever they stand.
4. Check each hit in its clause (the text between two of ``,.。;!?:`` in either width):

   * Negation. A hit is cancelled when a negation cue stands before it in the same clause, no
     further back than the flag's window (6-10 characters), with no scope breaker between cue and
     hit ("没谈拢就动手" is violence: "就" ends the scope of "没"; so do 但, 却, 后来, 时…). Cue sets:
     factual (未, 没有, 无, 并未, 否认, 未见, 不再…, with look-aheads so that 无法, 未果, 没钱,
     未成年, 无人照看 are not negations), prohibitive (不要, 不得, 防止, 避免, 不会…), uncertain
     (是否, 有无…), near-miss (险些, 差点…) and, for violence only, intent (扬言, 准备, 要把…:
     "扬言要把他的店砸了" is a threat, not yet violence). Threats and self-harm use the factual set
     only: "别逼我跳楼" and "不要逼我杀人" are signals, not negations. After a hit, only the ledger
     form "伤亡情况：无" negates.
   * Hearsay. A clause about the media ("新闻里", "电视上") raises nothing. A distant past ("多年前",
     "三年前", "生前"…) cancels violence and weapon hits in its clause, and self-harm only together
     with a completed death ("其父多年前喝农药去世"): a person's own earlier attempt is a risk
     factor. Threats are never cancelled by time or by being reported second-hand, and "扬言",
     "威胁", "声称要", "放话" count: the stated threat is the signal.
   * ``unless``: some rules name words that show an innocent reading in the same clause or sentence
     (an injury with 车祸/摔/工地/玩耍, a person on a roof with 晒/维修/鸽子, pesticide with 喷/治虫,
     poison with farm animals…).

Decisions
---------
* 农药 is not a weapon. Drinking, buying, holding or threatening to drink it is self_harm; putting it
  (or any poison) in someone's food or well is threat_kill (投毒); spraying crops is nothing.
* Smashing property (砸东西, 打砸, 摔砸物品, 泼粪, 泼油漆) is violence: violent conduct in the dispute.
* Strangling (掐脖子) raises threat_kill as well as violence: in domestic-violence risk instruments it
  is the classic predictor of a later killing. Burning a haystack or a car (烧了他家的草垛) is arson
  and counts as a threat to burn.
* 报复 with a threat verb (扬言报复, 伺机报复, 打击报复), 出人命, 让他进医院, 横着出去 and the taunt
  "不想活了是吧" raise threat_kill: recall first. A murder-suicide ("一起去死") raises both flags.
* Maiming is a threat in either order: "打断他儿子的腿", "把他腿打断", "卸了你的一条腿" (a limb of a
  person, not a table's leg or an animal's; "打折" stays a discount unless a limb is next to it).
* Arson against someone's property: "把包工头家的房子点了", "一把火把诊所烧了", and a fuel in hand with
  "就点了" in the same sentence; not when a fire, a short circuit or straw burning started it.
* "谁…就砍/捅/叉死谁" is a threat against whoever; so is going "to settle accounts" (算账, 讨说法)
  with a blade, a gun or petrol in hand. A stick or a spanner with 算账 is a weapon, not yet a threat.
* Self-destruction idioms are self_harm: 一头撞死, 把自己点了/埋进去, 点了自己, 要去撞车死, drinking
  "随身带的农药", a poison at hand with "就喝下去", shoes left on the bank and walking into the water,
  a note that says "对不起家里". Poison with 同归于尽 raises both flags.
* ``people``: "三十多人" → 30, "二十余名" → 20, "几十"/"数十" → 20, "十几人" → 10, "上百人" → 100,
  "近百人" → 90, "二三十人" → 20 (a range gives its lower end), "十余户" → 10 (a household counts as
  at least one person); "两家人" gives None. ``group`` is raised from ``group_people_at_least`` (10)
  people up, or by words (聚集, 围堵, 拉横幅, 集体上访, 一帮人…).
* Ages: a stated age under 18 or from 70 ("八十多岁", "8岁") raises vulnerable; so do words for
  children, elders, pregnancy, mental disorder and disability, whatever their role in the text.
* Evidence phrases are cut from the normalised text, in the order the text has them.

Speed
-----
Python's ``re`` tries every alternative at every position, so scanning the whole lexicon over
every text would run at a few thousand texts a second. Two things avoid that, neither changing a
result (a test compares with both turned off): each rule and mask gets *keys*, one- or
two-character strings of which every match holds one, found by walking the parsed pattern, and a
text runs only the rules whose keys it holds (two C-level scans find them); and a rule whose
alternatives do not all start with a literal gets a look-ahead on its possible first characters,
so ``re`` skips impossible positions. A character set of more than 16 characters yields no
keys (write a long verb list as two alternatives: "(?:弄|整…|劈)死" and "(?:叉|戳|刺|拍|铲)死"),
and a variable prefix ("(?:要|想|扬言)一头撞") is better a look-behind, or its words become keys.
Measured with timeit on typical 60-character texts on one core: about 70,000 texts a second (min
of repeats; 14 µs a text).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from concord.risk.model import FLAGS

LEXICON_FILE = "lexicon_v1.json"
_MASK_CHAR = "□"
_SENTENCE_ENDS = "。！？!?；;"


@dataclass(frozen=True)
class Signals:
    flags: frozenset[str]  # a subset of model.FLAGS
    evidence: dict[str, tuple[str, ...]]  # flag -> the matched phrases, to explain the result
    people: int | None  # the largest number of people involved or gathered the text states
    lexicon_version: str


# --- Chinese numerals ------------------------------------------------------------------------------

_DIGITS = {
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
    "几": 2,
    "数": 2,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse_number(s: str) -> int | None:
    """A Chinese or Arabic numeral as people write counts: "三十" → 30, "二十" → 20, "十几" → 10,
    "几十" → 20, "两三百" → 200 (a range gives its lower end), "一万二" is not supported (→ 10002).
    Returns None when `s` holds no number."""
    total = section = 0
    number: int | None = None
    seen = False
    prev = ""  # "d" digit, "u" unit
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch.isdigit() and ch.isascii():
            j = i
            while j < n and s[j].isdigit() and s[j].isascii():
                j += 1
            number, prev, seen = int(s[i:j]), "d", True
            i = j
            continue
        if ch in "零〇":
            prev = "z"  # a place-holder: "一百零五" → 105
        elif ch in _DIGITS:
            if prev == "u" and ch in "几数":
                pass  # "十几" → 10: a trailing 几 is an unknown number of units, counted as 0
            elif prev != "d":  # "二三十": keep the first digit of a range
                number = _DIGITS[ch]
            prev, seen = "d", True
        elif ch in _UNITS:
            section += (1 if number is None else number) * _UNITS[ch]
            number, prev, seen = None, "u", True
        elif ch == "万":
            section += number or 0
            total += (section or 1) * 10_000
            section, number, prev, seen = 0, None, "u", True
        i += 1
    if not seen:
        return None
    return total + section + (number or 0)


# --- which literal pieces a pattern needs (for gating) ---------------------------------------------
#
# Scanning every rule over every text is what makes a lexicon slow: Python's `re` tries each
# alternative at each position. So each rule (and mask) gets "keys": one- or two-character strings of
# which every match contains at least one, found by walking the parsed pattern. A text runs a rule
# only when one of the rule's keys is among the text's characters and character pairs. When the
# analysis cannot find keys the rule always runs, so gating never changes a result, only the time.

try:  # the parser behind `re` (stable for decades, private by name); gating is skipped without it
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    _sre = _sre_parse = None  # type: ignore[assignment]

_MAX_KEYS = 256


def _exact(items: Any) -> set[str] | None:
    """The strings a sequence of parsed items matches when it is a plain (finite) literal set."""
    out = {""}
    for op, av in items:
        if op is _sre.LITERAL:
            piece = {chr(av)}
        elif op is _sre.IN and av and all(o is _sre.LITERAL for o, _ in av) and len(av) <= 16:
            piece = {chr(a) for _, a in av}
        elif op is _sre.SUBPATTERN:
            piece = _exact(av[-1].data)
        elif op is _sre.BRANCH:
            piece = set()
            for alt in av[1]:
                sub = _exact(alt.data)
                if sub is None:
                    return None
                piece |= sub
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
            sub = _exact(av[2].data)
            if sub is None:
                return None
            piece = sub | {""}  # an optional piece: "(?:了)?"
        else:
            return None  # anything else, look-arounds included, ends an exact run
        if piece is None or len(out) * len(piece) > _MAX_KEYS:
            return None
        out = {a + b for a in out for b in piece}
    return out


def _required(items: Any) -> set[str] | None:
    """A set of strings one of which every match of the parsed sequence contains, or None."""
    candidates: list[set[str]] = []
    run: set[str] = {""}

    def flush() -> None:
        nonlocal run
        if run != {""} and all(run):
            candidates.append(run)
        run = {""}

    for op, av in items:
        piece = _exact([(op, av)])
        if piece is not None:
            joined = {a + b for a in run for b in piece}
            if len(joined) <= _MAX_KEYS:
                run = joined
                continue
            flush()
            run = piece if "" not in piece else {""}
            continue
        flush()
        sub: set[str] | None = None
        if op is _sre.SUBPATTERN:
            sub = _required(av[-1].data)
        elif op is _sre.ATOMIC_GROUP:
            sub = _required(av.data)
        elif op is _sre.BRANCH:
            alts = [_required(alt.data) for alt in av[1]]
            if all(alts):
                sub = set().union(*alts)  # type: ignore[arg-type]
        elif (
            op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None))
            and av[0] >= 1
        ):
            sub = _required(av[2].data)
        if sub:
            candidates.append(sub)
    flush()
    if not candidates:
        return None
    # the candidate whose keys are least common, then fewest
    return max(candidates, key=lambda c: _pick_keys(c)[0])


def _first_chars(items: Any) -> set[str] | None:
    """The characters a match of the parsed sequence can start with (None: any or unknown)."""
    out: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            return out | {chr(av)}
        if op is _sre.IN:
            for o, a in av:
                if o is _sre.LITERAL:
                    out.add(chr(a))
                elif o is _sre.RANGE and a[1] - a[0] < 100:
                    out.update(map(chr, range(a[0], a[1] + 1)))
                else:
                    return None
            return out
        if op in (_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT):
            continue  # zero width
        if op is _sre.SUBPATTERN:
            sub = _first_chars(av[-1].data)
            return None if sub is None else out | sub
        if op is _sre.BRANCH:
            for alt in av[1]:
                sub = _first_chars(alt.data)
                if sub is None:
                    return None
                out |= sub
            return out
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            sub = _first_chars(av[2].data)
            if sub is None:
                return None
            out |= sub
            if av[0] >= 1:
                return out
            continue
        return None
    return None


def _has_fast_prefix(items: Any) -> bool:
    """Whether `re` itself skips impossible start positions (it does for a literal, a character set,
    or alternatives that all begin with a literal)."""
    while items and items[0][0] is _sre.SUBPATTERN:
        items = items[0][1][-1].data
    if not items:
        return False
    op, av = items[0]
    if op in (_sre.LITERAL, _sre.IN):
        return True
    return op is _sre.BRANCH and all(alt.data and alt.data[0][0] is _sre.LITERAL for alt in av[1])


def fast_pattern(pattern: str) -> str:
    """`pattern`, led by a look-ahead on its possible first characters when `re` would otherwise try
    every position (several times faster on rules whose alternatives start with a look-behind or a
    group); the same matches either way."""
    if _sre_parse is None:
        return pattern
    try:
        items = _sre_parse.parse(pattern).data
        first = _first_chars(items)
    except Exception:  # noqa: BLE001 - an analysis failure only leaves the pattern as it is
        return pattern
    if not first or len(first) > 400 or _has_fast_prefix(items):
        return pattern
    return "(?=[" + "".join(re.escape(c) for c in sorted(first)) + "])(?:" + pattern + ")"


# Characters and pairs too common in these texts to make a good key.
_COMMON = frozenset(
    "的了不一是在有人我他她你们家方其要上下没个说就也都着把被和与对到去来这那又还会已因为"
    "后前中时多0123456789"
)
_COMMON_PAIRS_TEXT = (
    "报警 反映 发生 来访 来电 纠纷 矛盾 争吵 双方 人称 问题 情况 要求 民警 村民 群众 多次 经常 目前 自己 没有 "
    "他们 对方 家中 门口 一个 已经 因为 现在 之后 以后 调解 协商 处理 业主 工人 讨要 冲突 口角 邻居 村委 派出 "
    "出所 警务 政府 上门 称其 其子 其女 其妻 其夫 发现 走访 网格 市民 反复 当事 事人 电话 丈夫 妻子 老人 孩子 "
    "父亲 母亲 儿子 女儿 老婆 媳妇 老公 家属 赔偿 医院 损失 公司 组织 提出 大量 拆迁 工资 土地 房屋 费用 补偿 "
    "物业 小区 工地 老板 借款 欠款 准备 生活 使用 学校 楼下 两家 年来 在地"
)
_COMMON_PAIRS = frozenset(_COMMON_PAIRS_TEXT.split())


def _penalty(key: str) -> int:
    if len(key) == 1:
        return 5 if key in _COMMON else 3
    return (key[0] in _COMMON) + (key[1] in _COMMON) + (2 if key in _COMMON_PAIRS else 0)


def _pick_keys(strings: set[str]) -> tuple[tuple[int, int, int], frozenset[str]]:
    """Keys for a set of required strings: for each string its least common pair of characters,
    preferring (on a tie) the earliest or the latest position, or a prefix or suffix all share:
    whichever gives the least common keys, then the fewest."""
    best: tuple[tuple[int, int, int], frozenset[str]] | None = None
    choices: list[list[str]] = []
    for order in (1, -1):
        keys = []
        for s in strings:
            pairs = [s[i : i + 2] for i in range(len(s) - 1)] or [s]
            keys.append(min(pairs[::order], key=_penalty))
        choices.append(keys)
    head = os.path.commonprefix(list(strings))[:2]
    tail = os.path.commonprefix([s[::-1] for s in strings])[:2][::-1]
    choices += [[head]] if head else []
    choices += [[tail]] if tail else []
    for keys in choices:
        penalties = [_penalty(k) for k in keys]
        found = frozenset(keys)
        quality = (-max(penalties), -len(found), -sum(penalties))
        if best is None or quality > best[0]:
            best = (quality, found)
    assert best is not None
    return best


def pattern_keys(pattern: str) -> frozenset[str] | None:
    """One- or two-character keys of which every match of `pattern` contains one (None: unknown)."""
    if _sre_parse is None:
        return None
    try:
        required = _required(_sre_parse.parse(pattern).data)
    except Exception:  # noqa: BLE001 - an analysis failure only turns gating off
        return None
    if not required:
        return None
    return _pick_keys(required)[1]


# --- the compiled lexicon ------------------------------------------------------------------------


def _blank(m: re.Match[str]) -> str:
    return _MASK_CHAR * (m.end() - m.start())


@dataclass(frozen=True)
class _Flag:
    code: str
    negation: re.Pattern[str]
    window: int
    distant_past: str  # "never" | "always" | "completed_death"
    not_after: re.Pattern[str] | None  # a hypothetical right before a hit ("要动手")
    context_before: re.Pattern[str] | None  # for `context` rules: a holding verb right before …
    context_after: re.Pattern[str] | None  # … or a use against someone right after


@dataclass(frozen=True)
class _Rule:
    id: str
    flag: str
    flag_spec: _Flag
    order: int
    pattern: re.Pattern[str]
    keys: frozenset[str] | None
    unless: re.Pattern[str] | None
    unless_in_sentence: bool  # `unless` looks at the whole sentence, not only the clause
    context: bool


# Unicode blocks whose compatibility forms NFKC folds: full-width ASCII, CJK punctuation and symbols,
# enclosed numbers, Kangxi radicals, compatibility ideographs, small and vertical forms.
_NFKC_BLOCKS = (
    (0x2000, 0x206F),
    (0x2460, 0x24FF),
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x3200, 0x33FF),
    (0xF900, 0xFAFF),
    (0xFE10, 0xFE1F),
    (0xFE30, 0xFE6F),
    (0xFF00, 0xFFEF),
)


class Lexicon:
    """A compiled lexicon. `Lexicon(data)` takes the parsed JSON; use `load_lexicon()` for the file."""

    def __init__(
        self,
        data: dict[str, Any],
        *,
        gating: bool = True,
        known_keys: dict[str, list[str] | None] | None = None,
    ):
        """`known_keys` maps a pattern to its `pattern_keys` as analysed before (the shipped
        lexicon's are in data/, see `analysed_keys`): analysing ~900 patterns with sre_parse is
        most of the lexicon's compile time, which every `concord classify` pays at start-up."""
        self.data = data
        self.analysed: dict[str, list[str] | None] = {}

        def keys_of(pattern: str) -> frozenset[str] | None:
            if known_keys is not None and pattern in known_keys:
                found = known_keys[pattern]
                keys = frozenset(found) if found is not None else None
            else:
                keys = pattern_keys(pattern)
            self.analysed[pattern] = sorted(keys) if keys is not None else None
            return keys

        self.version: str = data["version"]
        macros: dict[str, str] = data.get("macros", {})

        def expand(pattern: str) -> str:
            for _ in range(5):
                new = re.sub(r"\{([A-Z]+)\}", lambda m: macros.get(m.group(1), m.group(0)), pattern)
                if new == pattern:
                    break
                pattern = new
            return pattern

        def alternation(alts: str | list[str]) -> str:
            return "|".join(expand(a) for a in ([alts] if isinstance(alts, str) else alts))

        # One str.translate does NFKC's folding for the blocks that matter, traditional → simplified,
        # whitespace removal and line breaks → "。" (unicodedata.normalize is several times slower).
        table: dict[int, str | None] = {}
        for lo, hi in _NFKC_BLOCKS:
            for cp in range(lo, hi + 1):
                folded = unicodedata.normalize("NFKC", chr(cp))
                if folded != chr(cp):
                    table[cp] = folded
        src, dst = data["t2s"]
        if len(src) != len(dst):
            raise ValueError("lexicon t2s: the two strings differ in length")
        t2s = dict(zip(src, dst, strict=True))
        for cp, folded in list(table.items()):  # a folded form may itself be traditional
            table[cp] = "".join(t2s.get(ch, ch) for ch in folded)
        for a, b in t2s.items():
            table[ord(a)] = b
        for ws in " \t\u00a0\u3000\u200b\ufeff\u2002\u2003\u2009":
            table[ord(ws)] = None
        for nl in "\r\n\u2028\u2029":
            table[ord(nl)] = "。"
        for kept in "，；！？：":  # Chinese punctuation stays: the clause breaks know both forms
            table.pop(ord(kept), None)
        self._translate = table
        # Most texts need no translation at all: one C-level scan decides.
        self._foreign = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(table)) + "]")

        self._gating = gating and _sre_parse is not None
        self._masks = [
            (re.compile(expand(m)), keys_of(expand(m)) if self._gating else None)
            for m in data["masks"]
        ]
        breaks = data["clause_breaks"]
        self._break_re = re.compile("[" + re.escape(breaks) + "]")
        neg = data["negation"]
        neg_sets = {name: alts for name, alts in neg.items() if name not in {"post", "breakers"}}
        self._post_neg = re.compile(expand(neg["post"]))
        self._breakers = re.compile(expand(neg["breakers"]))
        self._factual = re.compile(alternation(neg_sets["factual"]))
        self._media = re.compile(expand(data["media"]))
        self._distant_past = re.compile(expand(data["distant_past"]))
        self._completed_death = re.compile(expand(data["completed_death"]))
        self.group_people_at_least: int = data["group_people_at_least"]
        ages = data["vulnerable_age"]
        self._age_under, self._age_from = ages["under"], ages["from"]

        people = data["people"]
        nouns = expand(people["nouns"])
        self._people = re.compile(
            "(?P<num>[0-9零〇一二两三四五六七八九十百千万几数上近成好][0-9零〇一二两三四五六七八九十百千万几数]*)"
            "(?:余|多|来)?(?:(?:" + people["standalone_units"] + ")(?:余|多)?(?:" + nouns + ")?"
            "|(?:" + people["units"] + ")(?:余|多)?(?:" + nouns + ")|(?:" + nouns + "))"
        )
        self._age = re.compile(
            "(?P<num>[0-9一二两三四五六七八九十几][0-9一二两三四五六七八九十几]*)"
            "(?:多|余|来)?(?:周)?岁(?!月)"
        )

        self.flags: dict[str, _Flag] = {}
        self.rules: list[_Rule] = []
        for code, spec in data["flags"].items():
            if code not in FLAGS:
                raise ValueError(f"lexicon flag {code!r} is not one of model.FLAGS")
            context = spec.get("context") or {}
            self.flags[code] = _Flag(
                code=code,
                negation=re.compile(
                    alternation([c for n in spec["negation"] for c in neg_sets[n]])
                ),
                window=int(spec["window"]),
                distant_past=spec.get("distant_past", "never"),
                not_after=re.compile(expand(spec["not_after"])) if spec.get("not_after") else None,
                context_before=re.compile(expand(context["before"])) if context else None,
                context_after=re.compile(expand(context["after"])) if context else None,
            )
            for rule in spec["rules"]:
                source = alternation(rule["re"])
                unless = rule.get("unless")
                if rule.get("context") and not context:
                    raise ValueError(
                        f"lexicon rule {rule['id']}: a context rule in a flag without a context"
                    )
                self.rules.append(
                    _Rule(
                        id=rule["id"],
                        flag=code,
                        flag_spec=self.flags[code],
                        order=len(self.rules),
                        pattern=re.compile(fast_pattern(source) if self._gating else source),
                        keys=keys_of(source) if self._gating else None,
                        unless=re.compile(expand(unless)) if unless else None,
                        unless_in_sentence=rule.get("unless_scope") == "sentence",
                        context=bool(rule.get("context")),
                    )
                )
        # Gating index: key → the masks and rules it opens. Masks are numbered 0..M-1 and rules
        # M..M+R-1, so sorting the opened numbers keeps the lexicon's order (masks first).
        n_masks = len(self._masks)
        by_key: dict[str, set[int]] = {}
        self._always: set[int] = set()
        targets = [keys for _, keys in self._masks] + [r.keys for r in self.rules]
        for i, keys in enumerate(targets):
            if keys is None:
                self._always.add(i)
            for key in keys or ():
                by_key.setdefault(key, set()).add(i)
        self._pairs = {key: frozenset(ids) for key, ids in by_key.items() if len(key) == 2}
        self._singles = {key: frozenset(ids) for key, ids in by_key.items() if len(key) == 1}
        # Finding which keys a text holds is the per-text fixed cost, so it is done by two C-level
        # scans: the overlapping character pairs that could be keys, and the single-character keys.
        firsts = "".join(sorted({k[0] for k in self._pairs}))
        seconds = "".join(sorted({k[1] for k in self._pairs}))
        self._pair_scan = (
            re.compile(f"(?=([{re.escape(firsts)}][{re.escape(seconds)}]))") if firsts else None
        )
        self._single_scan = (
            re.compile("[" + re.escape("".join(sorted(self._singles))) + "]")
            if self._singles
            else None
        )
        self._n_masks = n_masks
        self._actions: list[re.Pattern[str] | _Rule] = [m for m, _ in self._masks] + list(
            self.rules
        )

    # -- text ----------------------------------------------------------------------------------

    def normalise(self, text: str) -> str:
        """Half-width, simplified, lower-case, without whitespace; line breaks become "。"."""
        if self._foreign.search(text):
            text = text.translate(self._translate)
        return text.lower()

    def _opened(self, text: str) -> list[re.Pattern[str] | _Rule]:
        """The masks, then the rules, whose keys the text holds, in lexicon order."""
        if not self._gating:
            return self._actions
        opened = set(self._always)
        if self._pair_scan is not None:
            pairs = self._pairs
            for key in set(self._pair_scan.findall(text)):
                ids = pairs.get(key)
                if ids is not None:
                    opened |= ids
        if self._single_scan is not None:
            for key in set(self._single_scan.findall(text)):
                opened |= self._singles[key]
        actions = self._actions
        return [actions[i] for i in sorted(opened)]

    # -- the checks on one hit ----------------------------------------------------------------

    def _negated(self, text: str, start: int, end: int, clause_start: int, flag: _Flag) -> bool:
        pre = text[max(clause_start, start - flag.window) : start]
        if pre:
            cuts = [m.end() for m in self._breakers.finditer(pre)]
            if cuts:
                pre = pre[cuts[-1] :]
            if pre and flag.negation.search(pre):
                return True
        return bool(self._post_neg.match(text, end, min(len(text), end + 8)))

    def _clause(self, norm: str, bounds: list[int], start: int, end: int) -> tuple[int, int]:
        i = bisect_left(bounds, start)
        j = bisect_right(bounds, end - 1)
        return (bounds[i - 1] + 1 if i else 0), (bounds[j] if j < len(bounds) else len(norm))

    @staticmethod
    def _sentence(norm: str, start: int, end: int) -> str:
        s0 = max(norm.rfind(c, 0, start) for c in _SENTENCE_ENDS) + 1
        ends = [i for i in (norm.find(c, end) for c in _SENTENCE_ENDS) if i >= 0]
        return norm[s0 : min(ends) if ends else len(norm)]

    def _keep(self, rule: _Rule, norm: str, bounds: list[int], start: int, end: int) -> bool:
        """Whether a hit survives its clause: unless-words, context, hypotheticals, negation, hearsay."""
        flag = rule.flag_spec
        c0, c1 = self._clause(norm, bounds, start, end)
        sentence = norm[c0:c1]
        if rule.unless is not None and rule.unless.search(
            self._sentence(norm, start, end) if rule.unless_in_sentence else sentence
        ):
            return False
        if rule.context and not (
            flag.context_before.search(norm, max(c0, start - 8), start)  # type: ignore[union-attr]
            or flag.context_after.match(norm, end, min(c1, end + 10))
        ):  # type: ignore[union-attr]
            return False
        if flag.not_after is not None and flag.not_after.search(norm, max(c0, start - 4), start):
            return False
        if self._negated(norm, start, end, c0, flag) or self._media.search(sentence):
            return False
        return not (
            flag.distant_past != "never"
            and self._distant_past.search(sentence)
            and (flag.distant_past == "always" or self._completed_death.search(sentence))
        )

    def signals(self, text: str | None) -> Signals:
        if not text:
            return Signals(frozenset(), {}, None, self.version)
        norm = self.normalise(text)
        masked = norm
        evidence: dict[str, dict[str, int]] = {}  # flag -> phrase -> where it first occurs
        bounds: list[int] = []
        split = False
        for action in self._opened(norm):
            if action.__class__ is re.Pattern:  # a mask
                masked = action.sub(_blank, masked)
                continue
            for m in action.pattern.finditer(masked):
                if not split:
                    bounds, split = [b.start() for b in self._break_re.finditer(norm)], True
                start, end = m.span()
                if start < end and self._keep(action, norm, bounds, start, end):
                    evidence.setdefault(action.flag, {}).setdefault(norm[start:end], start)

        people: int | None = None
        for m in self._people.finditer(masked):
            token, start = m.group("num"), m.start()
            prefix = token[0] if token[0] in "上近成好" else ""
            digits = token[len(prefix) :]
            if not digits or (start and masked[start - 1] == "第"):
                continue
            value = parse_number(digits)
            if value is None:
                continue
            if prefix == "上" and masked[max(0, start - 2) : start] == "成百":
                value = 100  # 成百上千: hundreds at least
            elif prefix == "近" and masked[start - 1 : start] not in {"附", "最", "接", "临", "靠"}:
                value -= value // 10  # 近百 → 90
            people = value if people is None else max(people, value)
            if value >= self.group_people_at_least:
                if not split:
                    bounds, split = [b.start() for b in self._break_re.finditer(norm)], True
                c0, _ = self._clause(norm, bounds, start, m.end())
                if not self._factual.search(norm, max(c0, start - 8), start):
                    evidence.setdefault("group", {}).setdefault(norm[start : m.end()], start)

        if "岁" in masked:
            for m in self._age.finditer(masked):
                age = parse_number(m.group("num"))
                if age is None or not (age < self._age_under or age >= self._age_from):
                    continue
                if not split:
                    bounds, split = [b.start() for b in self._break_re.finditer(norm)], True
                c0, _ = self._clause(norm, bounds, *m.span())
                if not self._factual.search(norm, max(c0, m.start() - 6), m.start()):
                    evidence.setdefault("vulnerable", {}).setdefault(
                        norm[m.start() : m.end()], m.start()
                    )

        if not evidence:
            return Signals(frozenset(), {}, people, self.version)
        ordered = {
            code: tuple(sorted(evidence[code], key=evidence[code].__getitem__))
            for code in FLAGS
            if code in evidence
        }  # phrases in the order the text has them
        return Signals(frozenset(ordered), ordered, people, self.version)


def _read_default() -> dict[str, Any]:
    ref = resources.files("concord.risk").joinpath("data", LEXICON_FILE)
    return json.loads(ref.read_text(encoding="utf-8"))


KEYS_FILE = "lexicon_v1.keys.json"  # `analysed_keys()` of the shipped lexicon


def _lexicon_digest(data: dict[str, Any]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def analysed_keys(data: dict[str, Any]) -> dict[str, Any]:
    """The gating keys of every pattern of `data`, as `Lexicon` works them out, with the digest of
    the lexicon they belong to: what data/lexicon_v1.keys.json holds (a test keeps it in sync)."""
    return {"lexicon_sha256": _lexicon_digest(data), "keys": Lexicon(data).analysed}


def _shipped_keys(data: dict[str, Any]) -> dict[str, list[str] | None] | None:
    """The shipped analysis when it is the shipped lexicon's; None (analyse afresh) otherwise."""
    try:
        ref = resources.files("concord.risk").joinpath("data", KEYS_FILE)
        shipped = json.loads(ref.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if shipped.get("lexicon_sha256") != _lexicon_digest(data):
        return None
    return shipped["keys"]


@cache
def _default_lexicon() -> Lexicon:
    data = _read_default()
    return Lexicon(data, known_keys=_shipped_keys(data))


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The lexicon in `path`, or the shipped one (compiled once per process)."""
    if path is None:
        return _default_lexicon()
    return Lexicon(json.loads(Path(path).read_text(encoding="utf-8")))


def lexicon_version() -> str:
    return _default_lexicon().version


def text_signals(text: str) -> Signals:
    """The risk flags, their evidence and the number of people a free text states."""
    return _default_lexicon().signals(text)
