"""The classifier's corpus: loading and validating it, the held-out split, and the numbers of
docs/classifier.md (pure Python; no Django).

The corpus is one JSON-lines file per label in ``corpus/`` (``family.jsonl`` … ``other.jsonl`` and
``none.jsonl``). Each line is ``{"text", "category", "style", "flags", "split"}``: the text as a
channel writes it, its category code (DESIGN §3, or ``none``), the channel that wrote it (a lead
channel code), the risk flags a careful reader would raise, and ``train`` or ``heldout``. The
held-out lines are never used to train or to choose the model; they measure it.

``python -m concord.intake.corpus_tools validate`` lists every problem (exit 1 when there is one);
``python -m concord.intake.corpus_tools report`` prints the tables of docs/classifier.md (``--write
docs/classifier.md`` replaces them there, between the report markers);
``python -m concord.intake.corpus_tools cv`` cross-validates the candidate models on the train split;
``python -m concord.intake.corpus_tools misses`` lists the threat and self-harm labels the lexicon
misses, in both splits.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from concord.risk.model import FLAGS

if TYPE_CHECKING:  # pragma: no cover
    from concord.intake.classifier import Classifier, ModelConfig

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
CATEGORIES = (
    "family",
    "neighbour",
    "land",
    "debt",
    "labour",
    "medical",
    "requisition",
    "damages",
    "property",
    "other",
)
NONE = "none"
LABELS = (*CATEGORIES, NONE)
# Lead channels (DESIGN §3): the style a text is written in.
STYLES = (
    "police_call",
    "grid_report",
    "patrol_visit",
    "hotline",
    "walk_in",
    "petition",
    "referral",
    "campaign",
    "ledger_import",
    "api",
)
SPLITS = ("train", "heldout")
FIELDS = ("text", "category", "style", "flags", "split")
MIN_PER_CATEGORY = 150
MIN_NONE = 400

# The acceptance targets on the held-out split.
TARGET_CATEGORY_ACCURACY = 0.92
TARGET_DISPUTE_ACCURACY = 0.95
TARGET_FLAG_RECALL = {"threat_kill": 1.0, "self_harm": 1.0}


class CorpusError(ValueError):
    """A corpus line that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    style: str
    flags: tuple[str, ...]
    split: str
    source: str = field(default="", compare=False)  # "family.jsonl:12"

    @property
    def is_dispute(self) -> bool:
        return self.category != NONE


# --- loading -------------------------------------------------------------------------------------


def corpus_files(directory: Path | str | None = None) -> list[Path]:
    return sorted(Path(directory or CORPUS_DIR).glob("*.jsonl"))


def parse_line(line: str, where: str) -> Example:
    """One corpus line as an Example; CorpusError naming `where` when it is not a valid line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: not JSON ({exc.msg})") from exc
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: not a JSON object")
    missing = [f for f in FIELDS if f not in record]
    unknown = sorted(set(record) - set(FIELDS))
    if missing or unknown:
        raise CorpusError(f"{where}: missing fields {missing}, unknown fields {unknown}")
    text, category, style, flags, split = (record[f] for f in FIELDS)
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: text must be a non-empty string")
    if category not in LABELS:
        raise CorpusError(f"{where}: unknown category {category!r}")
    if style not in STYLES:
        raise CorpusError(f"{where}: unknown style {style!r}")
    if split not in SPLITS:
        raise CorpusError(f"{where}: split must be one of {SPLITS}, not {split!r}")
    if not isinstance(flags, list) or any(f not in FLAGS for f in flags):
        raise CorpusError(f"{where}: flags must be a list of {FLAGS}, not {flags!r}")
    if len(set(flags)) != len(flags):
        raise CorpusError(f"{where}: a flag is listed twice in {flags!r}")
    return Example(text, category, style, tuple(sorted(flags)), split, where)


def load_corpus(directory: Path | str | None = None, *, split: str | None = None) -> list[Example]:
    """Every example (of `split` when given), sorted by (category, text) so that training does not
    depend on the order of files or lines. Raises CorpusError at the first invalid line."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    examples: list[Example] = []
    for path in corpus_files(directory):
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                example = parse_line(line, f"{path.name}:{number}")
                if split is None or example.split == split:
                    examples.append(example)
    examples.sort(key=lambda e: (e.category, e.text, e.style, e.split))
    return examples


def corpus_digest(directory: Path | str | None = None) -> str:
    """A SHA-256 over the corpus files' names and bytes (the disk cache of the model is keyed on it)."""
    digest = hashlib.sha256()
    for path in corpus_files(directory):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def validate_corpus(directory: Path | str | None = None, *, complete: bool = True) -> list[str]:
    """Every problem of the corpus, as readable lines (empty when it is valid).

    Lines must parse (see `parse_line`), each file holds only its own label, no text occurs twice
    (compared after the classifier's normalisation, so a full-width copy is a duplicate too), and
    every label has texts in both splits. With `complete`, each of the eleven files must exist with
    at least MIN_PER_CATEGORY texts (MIN_NONE for none)."""
    from concord.intake.classifier import normalise

    directory = Path(directory or CORPUS_DIR)
    problems: list[str] = []
    seen: dict[str, str] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for path in corpus_files(directory):
        if path.stem not in LABELS:
            problems.append(f"{path.name}: not a label's file (labels: {', '.join(LABELS)})")
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                where = f"{path.name}:{number}"
                if not line.strip():
                    problems.append(f"{where}: blank line")
                    continue
                try:
                    example = parse_line(line, where)
                except CorpusError as exc:
                    problems.append(str(exc))
                    continue
                if example.category != path.stem:
                    problems.append(f"{where}: category {example.category!r} in {path.name}")
                key = normalise(example.text, strip_prefix=False)
                if key in seen:
                    problems.append(f"{where}: duplicate of {seen[key]}: {example.text}")
                else:
                    seen[key] = where
                counts[example.category, example.split] += 1
    for label in LABELS:
        total = counts[label, "train"] + counts[label, "heldout"]
        if not (directory / f"{label}.jsonl").exists():
            if complete:
                problems.append(f"{label}.jsonl: missing")
            continue
        for split in SPLITS:
            if total and not counts[label, split]:
                problems.append(f"{label}.jsonl: no {split} texts")
        minimum = MIN_NONE if label == NONE else MIN_PER_CATEGORY
        if complete and total < minimum:
            problems.append(f"{label}.jsonl: {total} texts, at least {minimum} needed")
    return problems


# --- evaluation ----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    n: int
    n_disputes: int
    category_accuracy: float  # on texts whose true category is not none: predicted == true
    dispute_accuracy: float  # over all texts: is_dispute == (true category != none)
    confusion: dict[str, Counter[str]]  # true label -> predicted label -> count
    flag_counts: dict[str, tuple[int, int, int]]  # flag -> (true positives, false pos., false neg.)
    flag_misses: list[tuple[str, str, str]]  # (source, flag, text): labelled, not raised

    def flag_precision(self, flag: str) -> float | None:
        tp, fp, _ = self.flag_counts[flag]
        return tp / (tp + fp) if tp + fp else None

    def flag_recall(self, flag: str) -> float | None:
        tp, _, fn = self.flag_counts[flag]
        return tp / (tp + fn) if tp + fn else None

    def failures(self) -> list[str]:
        """The acceptance targets this evaluation misses (empty: all met)."""
        out = []
        if self.category_accuracy < TARGET_CATEGORY_ACCURACY:
            out.append(
                f"category accuracy {self.category_accuracy:.4f} < {TARGET_CATEGORY_ACCURACY}"
            )
        if self.dispute_accuracy < TARGET_DISPUTE_ACCURACY:
            out.append(f"dispute accuracy {self.dispute_accuracy:.4f} < {TARGET_DISPUTE_ACCURACY}")
        for flag, target in TARGET_FLAG_RECALL.items():
            recall = self.flag_recall(flag)
            if recall is not None and recall < target:
                missed = [m for m in self.flag_misses if m[1] == flag]
                out.append(f"{flag} recall {recall:.4f} < {target}: {missed}")
        return out


def flag_stats(
    examples: Sequence[Example], raised: Sequence[Iterable[str]]
) -> tuple[dict[str, tuple[int, int, int]], list[tuple[str, str, str]]]:
    counts = {flag: [0, 0, 0] for flag in FLAGS}
    misses: list[tuple[str, str, str]] = []
    for example, flags in zip(examples, raised, strict=True):
        got, want = set(flags), set(example.flags)
        for flag in FLAGS:
            if flag in got and flag in want:
                counts[flag][0] += 1
            elif flag in got:
                counts[flag][1] += 1
            elif flag in want:
                counts[flag][2] += 1
                misses.append((example.source, flag, example.text))
    return {flag: (c[0], c[1], c[2]) for flag, c in counts.items()}, misses


def evaluate(classifier: Classifier, examples: Sequence[Example]) -> Evaluation:
    predictions = classifier.predict([e.text for e in examples])
    return _evaluation(examples, [p.category for p in predictions], [p.flags for p in predictions])


def _evaluation(
    examples: Sequence[Example], predicted: Sequence[str], raised: Sequence[Iterable[str]]
) -> Evaluation:
    confusion: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    for example, label in zip(examples, predicted, strict=True):
        confusion[example.category][label] += 1
    disputes = [(e, p) for e, p in zip(examples, predicted, strict=True) if e.is_dispute]
    category_right = sum(e.category == p for e, p in disputes)
    dispute_right = sum(
        e.is_dispute == (p != NONE) for e, p in zip(examples, predicted, strict=True)
    )
    counts, misses = flag_stats(examples, raised)
    return Evaluation(
        n=len(examples),
        n_disputes=len(disputes),
        category_accuracy=category_right / len(disputes) if disputes else 0.0,
        dispute_accuracy=dispute_right / len(examples) if examples else 0.0,
        confusion=confusion,
        flag_counts=counts,
        flag_misses=misses,
    )


def heldout_evaluation(directory: Path | str | None = None) -> Evaluation:
    """The shipped classifier (trained on the train split) measured on the held-out split."""
    from concord.intake.classifier import get_classifier, train

    if directory is None:
        classifier = get_classifier()
    else:
        classifier = train(load_corpus(directory, split="train"))
    return evaluate(classifier, load_corpus(directory, split="heldout"))


def lexicon_misses(
    directory: Path | str | None = None, flags: Sequence[str] = ("threat_kill", "self_harm")
) -> list[tuple[str, str, str]]:
    """(source, flag, text) for every labelled `flags` the lexicon does not raise, in both splits
    (the lexicon is rules, not trained, so the train split measures it as fairly as held-out)."""
    from concord.risk.signals import text_signals

    examples = load_corpus(directory)
    raised = [text_signals(e.text).flags for e in examples]
    _, misses = flag_stats(examples, raised)
    return [m for m in misses if m[1] in flags]


def lexicon_false_alarms(
    directory: Path | str | None = None, flags: Sequence[str] = ("threat_kill", "self_harm")
) -> list[tuple[str, str, str]]:
    """(source, flag, text) for every `flags` the lexicon raises that the corpus does not label."""
    from concord.risk.signals import text_signals

    out = []
    for e in load_corpus(directory):
        for flag in sorted(text_signals(e.text).flags & set(flags)):
            if flag not in e.flags:
                out.append((e.source, flag, e.text))
    return out


# --- cross-validation on the train split (model selection) -------------------------------------


def cross_validate(
    config: ModelConfig, examples: Sequence[Example], *, folds: int = 5, seed: int = 0
) -> dict[str, float]:
    """Mean category accuracy (on disputes) and dispute accuracy over stratified folds of
    `examples`, which must be the train split: held-out texts never choose the model."""
    from sklearn.model_selection import StratifiedKFold

    from concord.intake.classifier import train

    assert all(e.split == "train" for e in examples), "cross-validate on the train split only"
    labels = [e.category for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    category, dispute = [], []
    for fit_idx, test_idx in splitter.split(labels, labels):
        model = train([examples[i] for i in fit_idx], config)
        test = [examples[i] for i in test_idx]
        predicted = [label for label, _ in model.decide([e.text for e in test])]
        result = _evaluation(test, predicted, [() for _ in test])
        category.append(result.category_accuracy)
        dispute.append(result.dispute_accuracy)
    return {
        "category_accuracy": sum(category) / folds,
        "dispute_accuracy": sum(dispute) / folds,
        "category_min": min(category),
        "dispute_min": min(dispute),
    }


def candidate_configs() -> list[tuple[str, ModelConfig]]:
    """The models compared by cross-validation (docs/classifier.md, "Method")."""
    from dataclasses import replace

    from concord.intake.classifier import DEFAULT_CONFIG as d

    return [
        ("chosen", d),
        ("ngrams 1-3", replace(d, ngram_range=(1, 3))),
        ("ngrams 1-4", replace(d, ngram_range=(1, 4))),
        ("ngrams 2-3", replace(d, ngram_range=(2, 3))),
        ("cut the channel's framing (报警人称…)", replace(d, strip_prefix=True)),
        ("text boundaries (like char_wb)", replace(d, boundaries=True)),
        ("raw tf (no sublinear)", replace(d, sublinear_tf=False)),
        ("two-stage (dispute, then category)", replace(d, two_stage=True)),
        ("class_weight=balanced", replace(d, class_weight="balanced")),
        ("LogisticRegression C=3", replace(d, model="logreg", C=3.0)),
        ("LogisticRegression C=10", replace(d, model="logreg", C=10.0)),
        ("LogisticRegression C=100", replace(d, model="logreg", C=100.0)),
        ("LinearSVC C=0.3 (sigmoid-calibrated)", replace(d, model="svm", C=0.3)),
        ("LinearSVC C=1 (sigmoid-calibrated)", replace(d, model="svm", C=1.0)),
        ("SGD log-loss", replace(d, model="sgd", C=1.0)),
    ]


# --- speed -------------------------------------------------------------------------------------


def speed_texts(n: int = 20_000, length: int = 60) -> list[str]:
    """`n` distinct texts of `length` characters made of corpus texts (two joined, cut)."""
    texts = [e.text for e in load_corpus()]
    out: list[str] = []
    i = 0
    while len(out) < n:
        a, b = texts[i % len(texts)], texts[(i * 7 + 3) % len(texts)]
        out.append((a + b + a)[:length])
        i += 1
    return out


def measure_speed(
    classifier: Classifier, texts: Sequence[str], *, repeats: int = 5
) -> dict[str, float]:
    """Texts per second: the whole predict, the model alone, the lexicon alone. One process;
    the three are timed in turn, `repeats` rounds, and each keeps its best round (the machine may
    be shared)."""
    from concord.risk.signals import text_signals

    texts = list(texts)
    runs = {
        "predict": lambda: classifier.predict(texts),
        "model": lambda: classifier.decide(texts),
        "lexicon": lambda: [text_signals(t) for t in texts],
    }
    classifier.predict(texts[:100])  # warm up
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: len(texts) / seconds for name, seconds in best.items()}


# --- the report ----------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def corpus_tables(examples: Sequence[Example]) -> list[str]:
    lines = ["### Texts per category, style and split", ""]
    styles = [s for s in STYLES if any(e.style == s for e in examples)]
    lines.append(
        "| category | " + " | ".join(f"{s} train/held-out" for s in styles) + " | train | held-out "
        "| total |"
    )
    lines.append("|---" * (len(styles) + 4) + "|")
    counts = Counter((e.category, e.style, e.split) for e in examples)
    for label in LABELS:
        cells = [f"{counts[label, s, 'train']}/{counts[label, s, 'heldout']}" for s in styles]
        train = sum(counts[label, s, "train"] for s in styles)
        held = sum(counts[label, s, "heldout"] for s in styles)
        lines.append(
            f"| {label} | " + " | ".join(cells) + f" | {train} | {held} | {train + held} |"
        )
    train = sum(e.split == "train" for e in examples)
    lines.append(
        "| **all** | "
        + " | ".join(
            f"{sum(counts[c, s, 'train'] for c in LABELS)}/"
            f"{sum(counts[c, s, 'heldout'] for c in LABELS)}"
            for s in styles
        )
        + f" | {train} | {len(examples) - train} | {len(examples)} |"
    )
    lines += ["", "### Flags labelled per category (both splits)", ""]
    lines.append("| category | texts | " + " | ".join(FLAGS) + " |")
    lines.append("|---" * (len(FLAGS) + 2) + "|")
    for label in LABELS:
        group = [e for e in examples if e.category == label]
        flagged = Counter(f for e in group for f in e.flags)
        lines.append(
            f"| {label} | {len(group)} | " + " | ".join(str(flagged[f]) for f in FLAGS) + " |"
        )
    return lines


def cv_table(examples: Sequence[Example]) -> list[str]:
    lines = [
        "| model | category acc. (mean / worst fold) | dispute acc. (mean / worst fold) |",
        "|---|---|---|",
    ]
    for name, config in candidate_configs():
        r = cross_validate(config, examples)
        lines.append(
            f"| {name} | {r['category_accuracy']:.4f} / {r['category_min']:.4f} "
            f"| {r['dispute_accuracy']:.4f} / {r['dispute_min']:.4f} |"
        )
    return lines


def evaluation_tables(result: Evaluation) -> list[str]:
    lines = [
        f"Held-out texts: {result.n} ({result.n_disputes} disputes, "
        f"{result.n - result.n_disputes} none).",
        "",
        f"* category accuracy on disputes: **{result.category_accuracy:.4f}** "
        f"(target ≥ {TARGET_CATEGORY_ACCURACY})",
        f"* dispute / non-dispute accuracy: **{result.dispute_accuracy:.4f}** "
        f"(target ≥ {TARGET_DISPUTE_ACCURACY})",
        "",
        "### Confusion matrix (rows: true label, columns: predicted)",
        "",
        "| true \\ predicted | " + " | ".join(LABELS) + " | recall |",
        "|---" * (len(LABELS) + 2) + "|",
    ]
    for label in LABELS:
        row = result.confusion[label]
        total = sum(row.values())
        recall = row[label] / total if total else None
        lines.append(
            f"| **{label}** | "
            + " | ".join(str(row[p]) if row[p] else "·" for p in LABELS)
            + f" | {_pct(recall)} |"
        )
    lines += [
        "",
        "### Risk flags: the lexicon against the corpus labels (held-out)",
        "",
        "| flag | labelled | raised | both | precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for flag in FLAGS:
        tp, fp, fn = result.flag_counts[flag]
        lines.append(
            f"| {flag} | {tp + fn} | {tp + fp} | {tp} | {_pct(result.flag_precision(flag))} "
            f"| {_pct(result.flag_recall(flag))} |"
        )
    return lines


def report(*, cv: bool = True, speed: bool = True) -> str:
    """The numbers of docs/classifier.md, as Markdown."""
    import platform

    import sklearn

    from concord.intake.classifier import DEFAULT_CONFIG, get_classifier

    examples = load_corpus()
    present = {p.stem for p in corpus_files()}
    out = [f"Corpus digest `{corpus_digest()[:16]}`; scikit-learn {sklearn.__version__}.", ""]
    missing = [label for label in LABELS if label not in present]
    if missing:
        out += [f"**Missing corpus files: {', '.join(missing)}.**", ""]
    out += ["## Corpus", "", *corpus_tables(examples), ""]
    if cv:
        train = [e for e in examples if e.split == "train"]
        out += [
            "## Cross-validation on the train split (5 stratified folds, seed 0)",
            "",
            f"Chosen: `{DEFAULT_CONFIG}`.",
            "",
            *cv_table(train),
            "",
        ]
    classifier = get_classifier()
    result = evaluate(classifier, [e for e in examples if e.split == "heldout"])
    out += ["## Held-out evaluation", "", *evaluation_tables(result), ""]
    misses = lexicon_misses()
    out += ["### Threat and self-harm labels the lexicon misses (both splits)", ""]
    out += [f"* `{m[1]}` {m[0]}: {m[2]}" for m in misses] or ["None."]
    out.append("")
    if speed:
        texts = speed_texts()
        typical = [e.text for e in examples] * (1 + 20_000 // max(1, len(examples)))
        s60 = measure_speed(classifier, texts)
        sc = measure_speed(classifier, typical[:20_000])
        mean = sum(map(len, typical[:20_000])) / 20_000
        out += [
            "## Speed",
            "",
            f"One process on {platform.machine()} ({platform.python_implementation()} "
            f"{platform.python_version()}), batches of 20,000, best of 5 rounds; texts per "
            "second.",
            "",
            "| texts | predict (all) | model only (normalise, n-grams, linear) | lexicon only |",
            "|---|---|---|---|",
            f"| 20,000 distinct 60-character texts | {s60['predict']:,.0f} | {s60['model']:,.0f} "
            f"| {s60['lexicon']:,.0f} |",
            f"| the corpus texts (mean {mean:.0f} characters) | {sc['predict']:,.0f} "
            f"| {sc['model']:,.0f} | {sc['lexicon']:,.0f} |",
            "",
        ]
    return "\n".join(out)


REPORT_START = "<!-- report:start (python -m concord.intake.corpus_tools report --write) -->"
REPORT_END = "<!-- report:end -->"


def replace_report(document: str, text: str) -> str:
    """`document` with the part between its report markers replaced by `text`."""
    start, end = document.index(REPORT_START), document.index(REPORT_END)
    return document[: start + len(REPORT_START)] + "\n\n" + text.strip() + "\n\n" + document[end:]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "report"
    if command == "validate":
        problems = validate_corpus()
        print("\n".join(problems) or "corpus valid")
        return 1 if problems else 0
    if command == "report":
        text = report(cv="--no-cv" not in args, speed="--no-speed" not in args)
        if "--write" in args:
            path = Path(args[args.index("--write") + 1])
            path.write_text(replace_report(path.read_text(encoding="utf-8"), text), "utf-8")
        else:
            print(text)
        return 0
    if command == "cv":
        print("\n".join(cv_table(load_corpus(split="train"))))
        return 0
    if command == "misses":
        for source, flag, text in lexicon_misses():
            print(json.dumps({"source": source, "flag": flag, "text": text}, ensure_ascii=False))
        return 0
    if command == "heldout":
        result = heldout_evaluation()
        print("\n".join(evaluation_tables(result)))
        return 1 if result.failures() else 0
    print(
        f"unknown command {command!r}: validate | report [--no-cv] [--no-speed] [--write FILE]"
        " | cv | misses | heldout"
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
