"""`python -m bench.classify --texts N`: how fast `concord classify` reads JSON lines and writes its
answers (the target: 20,000 texts/s).

The texts come from a small seeded generator of its own (vocabulary and templates below), written
in the four styles of the classifier's corpus (police call, grid worker's report, hotline call,
walk-in) and over its categories, with and without threats; none of them is a corpus sentence (the
generator checks). They go to `concord classify` on standard input, as an outside tool pipes them,
and the answers to a file; the command runs as its own process under bench.scan's wrapper (peak
RSS from `getrusage(RUSAGE_CHILDREN)`).

The classifier trains at first use and caches the model under var/classifier/; a warm-up run
comes first, so no timed run trains. Reported: texts/s over the whole command (median of 3 runs,
start-up and model loading included); the start-up alone (the same command on one text, median of
3) and texts/s net of it; peak RSS; and, for information, how often the answer's category is the
one the generator meant (these are texts the model never saw; not a target).

    python -m bench.classify --texts 20000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.scan import _WRAPPER, OUT, ROOT, _concord

DEFAULT_TEXTS = 20_000
DEFAULT_SEED = 2026
TARGET = 20_000
CORPUS = ROOT / "src" / "concord" / "intake" / "corpus"

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜谢邹喻柏水窦章苏潘葛范彭郎鲁韦马苗方俞任袁柳鲍史唐费薛雷贺倪汤殷罗毕郝安常乐于傅齐康伍余顾孟黄穆萧尹"
TOWNS = ["柳湾镇", "石桥乡", "清河镇", "北岗乡", "杏花镇", "双庙乡", "东营镇", "高台乡", "南湖街道"]
VILLAGES = ["前庄村", "后洼村", "大柳树村", "西岭村", "三里井村", "孙家寨", "河沿村", "新集村"]
RELATIVES = ["邻居", "同村村民", "堂兄", "表弟", "亲家", "小舅子", "同组村民", "前夫", "儿媳"]
AMOUNTS = ["八百元", "三千元", "一万二千元", "两万五千元", "四万元", "六千多元", "十几万元"]

# Per category: what happened, with {rel} (who the other side is) and {amt} (a sum) to fill.
MATTERS: dict[str, list[str]] = {
    "neighbour": [
        "与{rel}因院墙外排水沟堵塞争吵，污水流进了他家院子",
        "嫌{rel}家的空调外机对着他家窗户吹，多次交涉无果",
        "与{rel}因门前堆放柴草挡路发生口角",
        "与{rel}因楼道里停放电动车充电互相指责",
    ],
    "land": [
        "与{rel}因承包田边上的一条田埂归属争执不下",
        "称{rel}盖偏房占了他家宅基地一尺多宽",
        "与{rel}因祖坟旁边的林地谁来管护发生纠纷",
        "称村组流转土地时少算了他家两亩，租金{amt}没拿到",
    ],
    "debt": [
        "借给{rel}{amt}做生意，约定年底归还，现在对方避而不见",
        "替{rel}担保贷款{amt}，对方不还，银行天天催他",
        "卖给{rel}一批化肥，货款{amt}拖了一年多没结",
        "与{rel}合伙开饭店散伙时，为分摊{amt}亏损吵翻",
    ],
    "labour": [
        "在城郊一处工地干了五个月，包工头拖欠工钱{amt}不给",
        "在一家食品厂上班被辞退，厂里不给经济补偿",
        "干活时从脚手架上摔伤，老板只出了{amt}就不管了",
        "十几名工友一起找劳务公司讨要{amt}工资，对方说等甲方付款",
    ],
    "family": [
        "与丈夫因孩子上学的事争吵，丈夫摔了家里的东西",
        "兄弟几人对老母亲的赡养费{amt}怎么分摊意见不一",
        "与{rel}因离婚后孩子的抚养费{amt}发生争执",
        "父亲去世后兄妹几人为分老房子闹得不可开交",
    ],
    "property": [
        "家里的三轮车被{rel}骑走一个月不还",
        "与{rel}合买的一台收割机，对方不让他用",
        "租给{rel}的门面房到期不搬，还欠房租{amt}",
        "与物业因停车位被占、物业费{amt}发生争执",
    ],
    "damages": [
        "骑电动车与{rel}的轿车在路口剐蹭，双方对赔偿{amt}谈不拢",
        "家里的羊被{rel}家的狗咬死两只，要求赔偿{amt}",
        "{rel}家装修把他家墙面震裂，对方只肯赔{amt}",
        "喷洒除草剂飘到{rel}地里，庄稼枯了一片，对方索赔{amt}",
    ],
    "medical": [
        "母亲在乡卫生院输液后出现不适，家属要求院方说明情况并赔偿",
        "在一家诊所拔牙后感染，诊所不承认有责任",
        "孩子在镇医院做完手术恢复不好，家属与医生发生争吵",
    ],
    "requisition": [
        "村里修路占了他家半亩地，补偿款{amt}一直没发",
        "拆迁时对房屋面积认定不服，认为少补了{amt}",
        "征地后安置房迟迟不交付，多户村民到镇政府反映",
    ],
    "none": [
        "咨询孩子上户口需要带哪些材料",
        "反映路灯坏了一周，晚上出行不便，希望尽快维修",
        "捡到一个钱包，里面有身份证，想交给派出所",
        "询问办理居住证的流程和时间",
        "反映小区门口有一辆车停了半个月没人挪",
    ],
}
THREATS = [
    "，对方还扬言要弄死他",
    "，对方放话说再来就砍了他",
    "，对方拿着菜刀在门口骂",
    "，他说再不解决就喝药",
]
ENDINGS = ["，请求派人处理。", "，希望村里出面调解。", "，情绪比较激动。", "。", "，双方僵持不下。"]


def _who(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(["某", "某某"])


def _place(rng: random.Random) -> str:
    return rng.choice(TOWNS) + rng.choice(VILLAGES)


def _text(rng: random.Random, category: str) -> tuple[str, bool]:
    matter = rng.choice(MATTERS[category]).format(
        rel=rng.choice(RELATIVES), amt=rng.choice(AMOUNTS)
    )
    threat = category != "none" and rng.random() < 0.12
    tail = rng.choice(THREATS) if threat else ""
    style = rng.randrange(4)
    end = "。" if category == "none" else rng.choice(ENDINGS)
    if style == 0:
        opener = (
            f"报警人{_who(rng)}称" if rng.random() < 0.5 else f"{_place(rng)}村民{_who(rng)}报警称"
        )
        text = f"{opener}{matter}{tail}{end}"
    elif style == 1:
        text = f"网格员走访发现，{_place(rng)}{_who(rng)}{matter}{tail}{end}"
    elif style == 2:
        text = f"市民来电反映，其{matter}{tail}{end}"
    else:
        text = f"{_who(rng)}到派出所反映，{matter}{tail}{end}"
    return text, threat


def generate_texts(n: int, seed: int = DEFAULT_SEED) -> list[dict]:
    """N records {id, text, category, threat}: deterministic for a seed, none a corpus sentence."""
    rng = random.Random(seed)
    categories = list(MATTERS)
    weights = [3 if c in {"neighbour", "land", "debt", "family"} else 1 for c in categories]
    records = []
    for i in range(n):
        category = rng.choices(categories, weights)[0]
        text, threat = _text(rng, category)
        records.append({"id": i, "text": text, "category": category, "threat": threat})
    corpus = {
        json.loads(line)["text"]
        for path in CORPUS.glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    copied = sum(r["text"] in corpus for r in records)
    if copied:
        raise AssertionError(f"{copied} generated texts are corpus sentences")
    return records


def _run(source: Path, answers: Path) -> dict:
    """`concord classify` with `source` on standard input: the wrapper's figures."""
    with source.open("rb") as stdin, answers.open("wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *_concord("classify")],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=False,
            check=False,
        )
    stderr = done.stderr.decode("utf-8", "replace").strip().splitlines()
    figures = json.loads(stderr[-1])
    if figures["rc"] != 0:
        raise RuntimeError("concord classify failed:\n" + "\n".join(stderr[-40:]))
    return figures


def run(n: int = DEFAULT_TEXTS, seed: int = DEFAULT_SEED, repeats: int = 3) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    records = generate_texts(n, seed)
    source, one = OUT / f"classify-{n}-{seed}.jsonl", OUT / "classify-1.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n"
            for r in records
        ),
        encoding="utf-8",
    )
    one.write_text(source.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    answers = OUT / "classify-answers.jsonl"
    started = time.perf_counter()
    _run(one, answers)  # warm-up: trains and caches the model if it is not cached yet
    warm_up = time.perf_counter() - started
    full = [_run(source, answers) for _ in range(repeats)]
    start_up = [_run(one, OUT / "classify-answers-1.jsonl") for _ in range(repeats)]
    with answers.open(encoding="utf-8") as f:
        out = [json.loads(line) for line in f if line.strip()]
    if len(out) != n:
        raise AssertionError(f"{len(out)} answers to {n} texts")
    agree = sum(
        (a["category"] if a["is_dispute"] else "none") == r["category"]
        for a, r in zip(out, records, strict=True)
    )
    threats = [r for r in records if r["threat"]]
    flagged = sum(bool(out[r["id"]]["flags"]) for r in threats)
    seconds = statistics.median(f["seconds"] for f in full)
    start = statistics.median(f["seconds"] for f in start_up)
    result = {
        "texts": n,
        "seed": seed,
        "warm_up_seconds": round(warm_up, 2),
        "runs_seconds": [round(f["seconds"], 3) for f in full],
        "seconds_median": round(seconds, 3),
        "texts_per_second": round(n / seconds),
        "start_up_seconds": round(start, 3),
        "texts_per_second_net": round(n / (seconds - start)) if seconds > start else None,
        "cpu_seconds_median": round(statistics.median(f["cpu_seconds"] for f in full), 3),
        "peak_rss_mib": round(max(f["maxrss_kib"] for f in full) / 1024, 1),
        "category_agreement": round(agree / n, 4),
        "threats_flagged": round(flagged / len(threats), 4) if threats else None,
    }
    for path in (one, answers, OUT / "classify-answers-1.jsonl"):
        path.unlink(missing_ok=True)
    (OUT / f"classify-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def rows(n: int = DEFAULT_TEXTS) -> list[tuple[str, str, str]]:
    """For `make bench` (bench/__main__.py): what, figure, target."""
    r = run(n)
    what = f"`concord classify`, {n:,} generated texts"
    return [
        (
            f"{what}: texts/s (whole command, median of 3)",
            f"{r['texts_per_second']:,}",
            f"≥ {TARGET:,}",
        ),
        (
            f"{what}: texts/s net of start-up ({r['start_up_seconds']} s)",
            f"{r['texts_per_second_net']:,}" if r["texts_per_second_net"] else "—",
            "",
        ),
        (f"{what}: peak RSS (MiB)", f"{r['peak_rss_mib']}", ""),
        (
            f"{what}: category as generated / threats flagged (not a target)",
            f"{r['category_agreement']:.3f} / {r['threats_flagged']:.3f}",
            "",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=DEFAULT_TEXTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.texts, args.seed), indent=2))


if __name__ == "__main__":
    main()
