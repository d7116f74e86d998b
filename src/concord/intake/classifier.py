"""The dispute classifier: character n-grams and a linear model, trained from corpus/ at first use.

Two decisions are made for each text: whether it describes a dispute at all, and which of the ten
categories of DESIGN §3 it belongs to. One multinomial logistic regression over the ten categories
and ``none`` makes both (cross-validation on the train split preferred it to a two-stage model,
see docs/classifier.md): the text is a dispute when P(none) < 0.5, and its category is then the
most probable of the ten. ``confidence`` is the probability of the label given.

Risk flags are not the model's: they come from the rule lexicon (``concord.risk.signals``), which a
person can read and correct, because a missed threat to life is the costliest error.

Text is normalised first (NFKC's folding: full-width → half-width; lower case; no whitespace);
the features are TF-IDF over character 1- and 2-grams. Cutting the channel's framing ("报警人称",
"市民来电反映"…) is available (`ModelConfig.strip_prefix`) but did not help cross-validation.

Training is deterministic (the train split sorted by category and text, a deterministic solver)
and takes a second or two; `get_classifier()` trains once per process and keeps the fitted model in
memory, and on disk under ``var/classifier/`` keyed by a hash of the corpus files, this file and
the library versions (set ``CONCORD_CLASSIFIER_CACHE=off`` to skip the disk). No model file is
ever committed.

Speed: scikit-learn's n-gram analyser is a Python loop per text; `predict` instead computes the
same TF-IDF matrix for a whole batch with numpy (a test checks it equals
``TfidfVectorizer.transform``), so the lexicon dominates the time of a prediction.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from scipy.sparse import csr_matrix

    from concord.intake.corpus_tools import Example

NONE = "none"


@dataclass(frozen=True)
class Prediction:
    is_dispute: bool
    category: str  # a category code of DESIGN §3, or "none"
    confidence: float  # of the category decision, 0..1
    flags: tuple[str, ...]  # risk flags from the rule lexicon (concord.risk.signals)
    people: int | None  # people stated in the text, if any


@dataclass(frozen=True)
class ModelConfig:
    """The choices cross-validation compared (corpus_tools.candidate_configs); the defaults are
    the chosen model."""

    ngram_range: tuple[int, int] = (1, 2)
    strip_prefix: bool = False  # cut the channel's framing ("报警人称") before the n-grams
    boundaries: bool = False  # mark the text's start and end (as char_wb does for words)
    sublinear_tf: bool = True
    model: str = "logreg"  # "logreg" | "svm" (LinearSVC, sigmoid-calibrated) | "sgd"
    C: float = 30.0
    two_stage: bool = False  # dispute vs none first, then the category among the ten
    class_weight: str | None = None


DEFAULT_CONFIG = ModelConfig()

# --- normalisation -------------------------------------------------------------------------------

# NFKC's folding, as one `str.translate` table over the blocks that hold compatibility forms
# (full-width ASCII, CJK punctuation, enclosed numbers, Kangxi radicals, compatibility ideographs,
# small and vertical forms): NFKC itself costs several times more per text. Whitespace goes too.
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


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in _NFKC_BLOCKS:
        for cp in range(lo, hi + 1):
            folded = "".join(c for c in unicodedata.normalize("NFKC", chr(cp)) if not c.isspace())
            if folded != chr(cp):
                table[cp] = folded
    for cp in range(0x10000):
        if chr(cp).isspace() and cp != 0x0A:  # "\n" separates the texts of a batch
            table[cp] = ""
    return table


_FOLD = _fold_table()
# The framing a channel puts before what happened. Only the reporter's formula goes: "来电咨询"
# (an enquiry) and "网格员走访时" keep their informative rest.
_PREFIX = re.compile(
    r"^(?:"
    r"报警人[^,.。:;!?\n]{0,5}?称"
    r"|(?:市民|群众|居民|村民)?(?:再次)?来电人?(?:反映|举报|称)"
    r"|网格员[^,.。:;!?\n]{0,4}?(?:走访)?(?:发现|反映|报告|获悉|了解到)"
    r"|网格员走访"
    r"|来访人[^,.。:;!?\n]{0,5}?(?:反映|称)"
    r"|(?:群众|村民|居民)[^,.。:;!?\n]{0,6}?反映"
    r")[,:]?(?=.)",
    re.MULTILINE,
)
_START, _END = "\x02", "\x03"


def normalise_all(
    texts: Sequence[str], *, strip_prefix: bool = True, boundaries: bool = False
) -> list[str]:
    """`normalise` for many texts at once (one translate, one lower, one prefix pass per batch)."""
    if not texts:
        return []
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a text with a line break of its own
        joined = "\n".join(t.replace("\n", "") for t in texts)
    joined = joined.translate(_FOLD).lower()
    if strip_prefix:
        joined = _PREFIX.sub("", joined)
    out = joined.split("\n")
    if boundaries:
        out = [f"{_START}{t}{_END}" for t in out]
    return out


def normalise(text: str, *, strip_prefix: bool = True, boundaries: bool = False) -> str:
    """Full-width → half-width (NFKC's folding), lower case, no whitespace and, with
    `strip_prefix`, without the channel's framing ("报警人称", "市民来电反映"…)."""
    return normalise_all([text], strip_prefix=strip_prefix, boundaries=boundaries)[0]


# --- the batch vectoriser ------------------------------------------------------------------------

_EMPTY = np.uint64(0)
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


class _BatchNgrams:
    """The transform of a fitted ``TfidfVectorizer(analyzer="char", lowercase=False)``, computed
    for a whole batch with numpy. Every character becomes a small integer (0 for one the training
    texts never had) and each n-gram the integers packed into one uint64; the vocabulary is an
    open-addressing hash table of packed n-grams probed for all n-grams of the batch at once."""

    STATE = ("chars", "keys", "values", "idf", "shape")  # arrays saved in the model cache

    def __init__(self, vectorizer) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        assert isinstance(vectorizer, TfidfVectorizer) and vectorizer.analyzer == "char"
        assert vectorizer.norm == "l2" and vectorizer.use_idf and not vectorizer.lowercase
        self.lo, self.hi = vectorizer.ngram_range
        self.sublinear = bool(vectorizer.sublinear_tf)
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        chars = sorted({c for gram in vocabulary for c in gram})
        self.chars = np.array([ord(c) for c in chars], dtype=np.uint32)
        self.bits = max(1, len(chars).bit_length())  # ids 1..len(chars); 0 is unknown
        if self.bits * self.hi > 64:
            raise ValueError("too many distinct characters for packed n-grams")
        ids = {c: i + 1 for i, c in enumerate(chars)}
        packed = np.array([self._pack_str(gram, ids) for gram in vocabulary], dtype=np.uint64)
        columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
        self._build_table(packed, columns)
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.n_features = len(self.idf)
        self._identity = None
        self._bmp: np.ndarray | None = None

    def state(self) -> dict[str, np.ndarray]:
        """Plain arrays from which `from_state` rebuilds this transform, without scikit-learn."""
        shape = [self.lo, self.hi, int(self.sublinear), self.bits, int(self.shift), int(self.mask)]
        return {
            "chars": self.chars,
            "keys": self.keys,
            "values": self.values,
            "idf": self.idf,
            "shape": np.array(shape, dtype=np.uint64),
        }

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> _BatchNgrams:
        self = cls.__new__(cls)
        lo, hi, sublinear, bits, shift, mask = (int(x) for x in state["shape"])
        self.lo, self.hi, self.sublinear, self.bits = lo, hi, bool(sublinear), bits
        self.shift, self.mask = np.uint64(shift), np.uint64(mask)
        self.chars = state["chars"].astype(np.uint32)
        self.keys = state["keys"].astype(np.uint64)
        self.values = state["values"].astype(np.int64)
        self.idf = state["idf"].astype(np.float64)
        self.n_features = len(self.idf)
        self._identity = None
        self._bmp = None
        return self

    def _char_ids(self, codepoints: np.ndarray) -> np.ndarray:
        """Each character's id (0: not a training character): a table for the BMP, a search
        for the rare character beyond it."""
        if self._bmp is None:  # built on first use, not stored with the model
            bmp = self.chars[self.chars < 0x10000]
            self._bmp = np.zeros(0x10000, dtype=np.uint64)
            self._bmp[bmp] = np.arange(1, len(bmp) + 1, dtype=np.uint64)
        ids = self._bmp[np.minimum(codepoints, 0xFFFF)]
        astral = np.flatnonzero(codepoints > 0xFFFF)
        if astral.size:
            where = np.searchsorted(self.chars, codepoints[astral])
            where[where == len(self.chars)] = 0
            found = self.chars[where] == codepoints[astral]
            ids[astral] = np.where(found, where + 1, 0)
        return ids

    def _pack_str(self, gram: str, ids: dict[str, int]) -> int:
        code = 0
        for c in gram:
            code = (code << self.bits) | ids[c]
        return code

    def _slot(self, codes: np.ndarray) -> np.ndarray:
        return (codes * _MULTIPLIER) >> self.shift

    def _build_table(self, packed: np.ndarray, columns: np.ndarray) -> None:
        size_bits = max(4, (4 * len(packed)).bit_length())  # load factor at most 1/4
        self.shift = np.uint64(64 - size_bits)
        self.mask = np.uint64((1 << size_bits) - 1)
        self.keys = np.zeros(1 << size_bits, dtype=np.uint64)
        self.values = np.zeros(1 << size_bits, dtype=np.int64)
        pending = np.arange(len(packed))
        slots = self._slot(packed)
        while pending.size:  # linear probing; ties for a free slot go to the lower index
            free = self.keys[slots] == _EMPTY
            taken, first = np.unique(slots[free], return_index=True)
            winners = pending[free][first]
            self.keys[taken] = packed[winners]
            self.values[taken] = columns[winners]
            placed = np.zeros(len(packed), dtype=bool)
            placed[winners] = True
            keep = ~placed[pending]
            pending, slots = pending[keep], (slots[keep] + np.uint64(1)) & self.mask

    def _lookup(self, codes: np.ndarray) -> np.ndarray:
        """The column of each packed n-gram (no code may be 0), or -1 when not in the vocabulary."""
        out = np.full(len(codes), -1, dtype=np.int64)
        pending = np.arange(len(codes))
        slots = self._slot(codes)
        while pending.size:
            keys = self.keys[slots]
            hit = keys == codes[pending]
            out[pending[hit]] = self.values[slots[hit]]
            go = ~hit & (keys != _EMPTY)
            pending, slots = pending[go], (slots[go] + np.uint64(1)) & self.mask
        return out

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """The L2-normalised TF-IDF rows of `texts` (already normalised)."""
        from scipy.sparse import csr_matrix, identity

        n_texts = len(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n_texts)
        codepoints = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
        char_ids = self._char_ids(codepoints)
        ends = np.cumsum(lengths)
        row_of = np.repeat(np.arange(n_texts, dtype=np.int64), lengths)
        remaining = ends[row_of] - np.arange(len(codepoints), dtype=np.int64)
        # Each row's n-grams in order (all its 1-grams, then its 2-grams…): the matrix is built
        # directly in CSR form; a column -1 (unknown n-gram) is dropped afterwards.
        per_n = [np.maximum(lengths - n + 1, 0) for n in range(self.lo, self.hi + 1)]
        row_sizes = np.sum(per_n, axis=0)
        indptr = np.zeros(n_texts + 1, dtype=np.int64)
        np.cumsum(row_sizes, out=indptr[1:])
        indices = np.empty(indptr[-1], dtype=np.int64)
        offset = indptr[:-1].copy()
        shift = np.uint64(self.bits)
        for n, count in zip(range(self.lo, self.hi + 1), per_n, strict=True):
            starts = np.flatnonzero(remaining >= n)
            code = char_ids[starts]
            known = code != 0
            for k in range(1, n):
                following = char_ids[starts + k]
                known &= following != 0
                code = (code << shift) | following
            columns = np.full(len(starts), -1, dtype=np.int64)
            columns[known] = self._lookup(code[known])
            rows = row_of[starts]
            position = starts - (ends - lengths)[rows]  # the n-gram's place in its text
            indices[offset[rows] + position] = columns
            offset += count
        keep = indices >= 0
        if not keep.all():
            indices = indices[keep]
            entry_rows = np.repeat(np.arange(n_texts, dtype=np.int64), row_sizes)
            indptr = np.zeros(n_texts + 1, dtype=np.int64)
            np.cumsum(np.bincount(entry_rows[keep], minlength=n_texts), out=indptr[1:])
        matrix = csr_matrix(
            (np.ones(len(indices)), indices, indptr), shape=(n_texts, self.n_features)
        )
        # Summing a row's repeated n-grams: a product with the identity does it in one pass
        # (a dense accumulator per row), where `sum_duplicates` first sorts every row.
        if self._identity is None:
            self._identity = identity(self.n_features, dtype=np.float64, format="csr")
        matrix = matrix @ self._identity
        if self.sublinear:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        matrix.data *= self.idf[matrix.indices]
        # L2 norm per row, as sklearn's `normalize` (rows with no n-gram stay zero).
        rows = np.repeat(np.arange(n_texts), np.diff(matrix.indptr))
        norms = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=n_texts))
        norms[norms == 0.0] = 1.0
        matrix.data /= norms[rows]
        return matrix


# --- the classifier ------------------------------------------------------------------------------


def _linear_model(config: ModelConfig):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.svm import LinearSVC

    if config.model == "logreg":
        return LogisticRegression(
            C=config.C, max_iter=5000, class_weight=config.class_weight, random_state=0
        )
    if config.model == "svm":
        return CalibratedClassifierCV(
            LinearSVC(C=config.C, class_weight=config.class_weight, random_state=0),
            cv=3,
            method="sigmoid",
        )
    if config.model == "sgd":
        return SGDClassifier(
            loss="log_loss",
            alpha=1e-4 / config.C,
            class_weight=config.class_weight,
            max_iter=200,
            tol=1e-5,
            random_state=0,
        )
    raise ValueError(f"unknown model {config.model!r}")


class _Softmax:
    """A fitted multinomial logistic regression as its coefficients: `predict_proba` is the
    softmax of the linear scores, as scikit-learn's (a test checks they are equal). Prediction then
    needs numpy only; scikit-learn's import alone takes about a second."""

    STATE = ("coef", "intercept", "classes")

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray) -> None:
        self.coef = np.ascontiguousarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.classes_ = np.asarray(classes)

    @classmethod
    def from_logistic_regression(cls, model) -> _Softmax:
        return cls(model.coef_, model.intercept_, model.classes_)

    def predict_proba(self, matrix) -> np.ndarray:
        scores = np.asarray(matrix @ self.coef.T) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def state(self) -> dict[str, np.ndarray]:
        return {"coef": self.coef, "intercept": self.intercept, "classes": self.classes_}


class Classifier:
    """A fitted classifier. Build one with `train`, or use the shared `get_classifier()`."""

    def __init__(self, config: ModelConfig, vectorizer, models: dict[str, object]) -> None:
        self.config = config
        self.vectorizer = vectorizer  # the fitted TfidfVectorizer, for inspection and tests
        self._ngrams = _BatchNgrams(vectorizer)
        if config.model == "logreg" and "label" in models:
            models = {"label": _Softmax.from_logistic_regression(models["label"])}
        self._models = models  # "label" (one model) or "dispute" + "category" (two-stage)
        self.batch_size = 10_000  # texts vectorised at once: bounds memory, not results

    # -- the cache file: plain arrays, loaded without pickle and without scikit-learn ------------

    def savable(self) -> bool:
        return isinstance(self._models.get("label"), _Softmax)

    def save(self, path: Path) -> None:
        arrays = {f"ngrams_{k}": v for k, v in self._ngrams.state().items()}
        arrays |= {f"label_{k}": v for k, v in self._models["label"].state().items()}
        arrays["config"] = np.array(repr(self.config))
        with path.open("wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path: Path, config: ModelConfig) -> Classifier:
        with np.load(path, allow_pickle=False) as data:
            if str(data["config"]) != repr(config):
                raise ValueError("the cached model was trained with another configuration")
            ngrams = {k: data[f"ngrams_{k}"] for k in _BatchNgrams.STATE}
            label = {k: data[f"label_{k}"] for k in _Softmax.STATE}
        self = cls.__new__(cls)
        self.config, self.vectorizer = config, None
        self._ngrams = _BatchNgrams.from_state(ngrams)
        self._models = {"label": _Softmax(label["coef"], label["intercept"], label["classes"])}
        self.batch_size = 10_000
        return self

    # -- model ------------------------------------------------------------------------------------

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        c = self.config
        return self._ngrams.transform(
            normalise_all(texts, strip_prefix=c.strip_prefix, boundaries=c.boundaries)
        )

    def decide(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, confidence) per text from the model alone, without the lexicon."""
        out: list[tuple[str, float]] = []
        for i in range(0, len(texts), self.batch_size):
            out += self._decide(texts[i : i + self.batch_size])
        return out

    def _decide(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        if not texts:
            return []
        matrix = self.transform(texts)
        if "label" in self._models:
            model = self._models["label"]
            proba = model.predict_proba(matrix)
            labels = list(model.classes_)
            none = labels.index(NONE)
            p_none = proba[:, none]
            masked = proba.copy()
            masked[:, none] = -1.0
            best = masked.argmax(axis=1)
            p_best = proba[np.arange(len(texts)), best]
        else:
            dispute, category = self._models["dispute"], self._models["category"]
            p_none = dispute.predict_proba(matrix)[:, list(dispute.classes_).index(False)]
            proba = category.predict_proba(matrix)
            labels = list(category.classes_)
            best = proba.argmax(axis=1)
            p_best = proba[np.arange(len(texts)), best]
        empty = np.diff(matrix.indptr) == 0  # nothing the model knows: not a dispute
        out = []
        for i in range(len(texts)):
            if empty[i] and not normalise(texts[i], strip_prefix=False):
                out.append((NONE, 1.0))
            elif p_none[i] >= 0.5:
                out.append((NONE, float(p_none[i])))
            else:
                out.append((labels[best[i]], float(p_best[i])))
        return out

    # -- public -----------------------------------------------------------------------------------

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        from concord.risk.signals import text_signals

        texts = [t if isinstance(t, str) else "" for t in texts]
        out = []
        for text, (label, confidence) in zip(texts, self.decide(texts), strict=True):
            signals = text_signals(text)
            out.append(
                Prediction(
                    is_dispute=label != NONE,
                    category=label,
                    confidence=confidence,
                    flags=tuple(sorted(signals.flags)),
                    people=signals.people,
                )
            )
        return out


def train(examples: Sequence[Example], config: ModelConfig = DEFAULT_CONFIG) -> Classifier:
    """Fit a classifier on `examples` (the train split). Deterministic: the same examples, in any
    order, give the same model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # scipy's L-BFGS-B is several times slower with threads
        return _train(examples, config, TfidfVectorizer)


def _train(examples: Sequence[Example], config: ModelConfig, TfidfVectorizer) -> Classifier:
    examples = sorted(examples, key=lambda e: (e.category, e.text))
    texts = normalise_all(
        [e.text for e in examples], strip_prefix=config.strip_prefix, boundaries=config.boundaries
    )
    labels = np.array([e.category for e in examples])
    vectorizer = TfidfVectorizer(
        analyzer="char",
        ngram_range=config.ngram_range,
        lowercase=False,
        sublinear_tf=config.sublinear_tf,
        dtype=np.float64,
    )
    matrix = vectorizer.fit_transform(texts)
    if config.two_stage:
        is_dispute = labels != NONE
        dispute = _linear_model(config).fit(matrix, is_dispute)
        category = _linear_model(config).fit(matrix[is_dispute], labels[is_dispute])
        models = {"dispute": dispute, "category": category}
    else:
        models = {"label": _linear_model(config).fit(matrix, labels)}
    return Classifier(config, vectorizer, models)


# --- the shared instance -------------------------------------------------------------------------

_lock = threading.Lock()
_shared: Classifier | None = None


def _cache_path() -> Path | None:
    if os.environ.get("CONCORD_CLASSIFIER_CACHE", "").lower() in {"off", "0", "no", "false"}:
        return None
    from importlib.metadata import version  # not the modules: importing sklearn costs ~1 s

    from concord.intake.corpus_tools import corpus_digest

    key = hashlib.sha256()
    for part in (
        corpus_digest(),
        Path(__file__).read_bytes().hex(),
        repr(DEFAULT_CONFIG),
        version("scikit-learn"),
        np.__version__,
        version("scipy"),
    ):
        key.update(part.encode() + b"\0")
    var = Path(os.environ.get("CONCORD_VAR_DIR") or Path(__file__).resolve().parents[3] / "var")
    return var / "classifier" / f"model-{key.hexdigest()[:24]}.npz"


def _load_or_train() -> Classifier:
    from concord.intake.corpus_tools import load_corpus

    path = _cache_path()
    if path is not None and path.exists():
        try:
            return Classifier.load(path, DEFAULT_CONFIG)
        except Exception:  # noqa: BLE001 - a damaged cache is retrained, never fatal
            pass
    model = train(load_corpus(split="train"))
    if path is not None and model.savable():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            model.save(tmp)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only var/ only costs the next process a retraining
    return model


def get_classifier() -> Classifier:
    """The trained classifier (trained deterministically from the shipped corpus at first use)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = _load_or_train()
    return _shared
