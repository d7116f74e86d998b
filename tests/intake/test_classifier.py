"""The dispute classifier (concord.intake.classifier) and its corpus (concord.intake.corpus_tools)."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

from concord.intake import classifier as clf
from concord.intake import corpus_tools as ct
from concord.intake.classifier import Prediction, get_classifier, normalise, normalise_all, train
from concord.risk.signals import text_signals

# --- the corpus ------------------------------------------------------------------------------------


def test_corpus_is_complete_and_valid():
    """Every line parses with valid codes, no text occurs twice (after normalisation), each label's
    file exists with texts in both splits and at least 150 texts (400 for none)."""
    problems = ct.validate_corpus()
    assert problems == [], "\n".join(problems[:50])


def test_validation_names_each_problem(tmp_path):
    good = {"text": "报警人称邻居吵架", "category": "neighbour", "style": "police_call"}
    lines = [
        {**good, "flags": [], "split": "train"},
        {**good, "flags": [], "split": "heldout"},  # the same text again
        {**good, "text": "两家争水", "flags": ["nope"], "split": "train"},
        {**good, "text": "两家争地", "category": "land", "flags": [], "split": "train"},
        {**good, "text": "两家争路", "style": "fax", "flags": [], "split": "train"},
    ]
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n{oops\n"
    (tmp_path / "neighbour.jsonl").write_text(body, encoding="utf-8")
    (tmp_path / "extra.jsonl").write_text("", encoding="utf-8")
    problems = "\n".join(ct.validate_corpus(tmp_path))
    assert "neighbour.jsonl:2: duplicate of neighbour.jsonl:1" in problems
    assert "neighbour.jsonl:3: flags must be a list" in problems
    assert "neighbour.jsonl:4: category 'land' in neighbour.jsonl" in problems
    assert "neighbour.jsonl:5: unknown style 'fax'" in problems
    assert "neighbour.jsonl:6: not JSON" in problems
    assert "extra.jsonl: not a label's file" in problems
    assert "family.jsonl: missing" in problems and "none.jsonl: missing" in problems
    assert "neighbour.jsonl: 2 texts, at least 150 needed" in problems


def test_a_full_width_copy_counts_as_a_duplicate(tmp_path):
    lines = [
        {"text": t, "category": "debt", "style": "hotline", "flags": [], "split": s}
        for t, s in (("欠款3000元不还", "train"), ("欠款３０００元 不还", "heldout"))
    ]
    (tmp_path / "debt.jsonl").write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8"
    )
    assert any("duplicate" in p for p in ct.validate_corpus(tmp_path, complete=False))


def test_load_corpus_gives_each_split_sorted():
    train, heldout = ct.load_corpus(split="train"), ct.load_corpus(split="heldout")
    assert {e.split for e in train} == {"train"} and {e.split for e in heldout} == {"heldout"}
    assert {e.category for e in heldout} == set(ct.LABELS)
    assert train == sorted(train, key=lambda e: (e.category, e.text, e.style, e.split))
    assert not {e.text for e in train} & {e.text for e in heldout}


# --- normalisation and the batch vectoriser --------------------------------------------------------


def test_normalise_folds_width_case_and_space_and_cuts_the_channel_framing():
    assert normalise("报警人称ＡＢＣ１２３， 电动车\u3000被盗") == "abc123,电动车被盗"
    assert normalise("市民来电反映：小区停车费乱收") == "小区停车费乱收"
    assert normalise("网格员走访发现，两户因排水争吵") == "两户因排水争吵"
    assert normalise("报警人张某称其被打") == "其被打"
    assert normalise("来电咨询离婚手续") == "来电咨询离婚手续"  # an enquiry keeps its words
    assert normalise("报警人称") == "报警人称"  # nothing after the framing: kept
    assert normalise("报警人称被打", strip_prefix=False) == "报警人称被打"


def test_normalise_all_equals_normalise_one_by_one_even_with_line_breaks():
    texts = ["报警人称a\nb", "", "  ", "网格员报告：某村\r\n两户争吵", "Ｘ"]
    assert normalise_all(texts) == [normalise(t) for t in texts]
    assert normalise_all(texts) == ["ab", "", "", "某村两户争吵", "x"]


@pytest.mark.parametrize(
    "config",
    [
        clf.DEFAULT_CONFIG,
        clf.ModelConfig(ngram_range=(2, 4), boundaries=True, sublinear_tf=False),
    ],
    ids=["default", "2-4 grams, boundaries, raw tf"],
)
def test_batch_vectoriser_equals_scikit_learns_transform(config):
    examples = ct.load_corpus(split="train")[::4]
    model = train(examples, config)
    texts = [e.text for e in ct.load_corpus(split="heldout")] + [
        "",
        " ",
        "𠀀𠀁从未见过的字",
        "ｘ",
        "报警人称",
        "一行\n两行",
        "家" * 500,
    ]
    ours = model.transform(texts).toarray()
    theirs = model.vectorizer.transform(
        normalise_all(texts, strip_prefix=config.strip_prefix, boundaries=config.boundaries)
    ).toarray()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


# --- training --------------------------------------------------------------------------------------


def test_training_is_deterministic_whatever_the_order_of_the_corpus():
    examples = ct.load_corpus(split="train")
    shuffled = list(examples)
    random.Random(7).shuffle(shuffled)
    texts = [e.text for e in ct.load_corpus(split="heldout")]
    first, second = train(examples).decide(texts), train(shuffled).decide(texts)
    assert first == second


def test_the_shared_classifier_is_trained_on_the_train_split_only(monkeypatch, tmp_path):
    seen = []

    def spy(examples, config=clf.DEFAULT_CONFIG):
        seen.extend(examples)
        return real_train(examples[:200], config)  # the split is what is checked, not the fit

    real_train = clf.train
    monkeypatch.setenv("CONCORD_VAR_DIR", str(tmp_path))
    monkeypatch.setattr(clf, "train", spy)
    clf._load_or_train()
    assert seen and {e.split for e in seen} == {"train"}
    assert len(seen) == len(ct.load_corpus(split="train"))


def test_the_fitted_model_is_cached_on_disk_under_var(monkeypatch, tmp_path):
    calls = []
    small = ct.load_corpus(split="train")[::10]

    def quick(examples, config=clf.DEFAULT_CONFIG):
        calls.append(1)
        return real_train(small, config)

    real_train = clf.train
    monkeypatch.setenv("CONCORD_VAR_DIR", str(tmp_path))
    monkeypatch.setattr(clf, "train", quick)
    first = clf._load_or_train()
    [cached] = (tmp_path / "classifier").glob("model-*.npz")
    second = clf._load_or_train()
    assert len(calls) == 1 and second is not first
    texts = ["报警人称邻居吵架", "报警人称手机被偷"]
    assert first.predict(texts) == second.predict(texts)
    cached.write_bytes(b"damaged")
    clf._load_or_train()  # a damaged cache is retrained, not fatal
    assert len(calls) == 2
    monkeypatch.setenv("CONCORD_CLASSIFIER_CACHE", "off")
    assert clf._cache_path() is None


def test_the_stored_softmax_gives_scikit_learns_probabilities():
    from sklearn.linear_model import LogisticRegression

    examples = ct.load_corpus(split="train")[::4]
    model = train(examples)
    matrix = model.transform([e.text for e in ct.load_corpus(split="heldout")])
    fitted = LogisticRegression(C=clf.DEFAULT_CONFIG.C, max_iter=5000, random_state=0).fit(
        model.transform([e.text for e in examples]), [e.category for e in examples]
    )
    softmax = clf._Softmax.from_logistic_regression(fitted)
    np.testing.assert_allclose(
        softmax.predict_proba(matrix), fitted.predict_proba(matrix), rtol=0, atol=1e-12
    )


def test_the_cached_model_is_plain_arrays_and_predicts_without_scikit_learn(tmp_path):
    """The cache holds no pickle, and a process that loads it never imports scikit-learn (its
    import alone cost `concord classify` about a second of start-up)."""
    import subprocess
    import sys

    small = train(ct.load_corpus(split="train")[::10])
    path = tmp_path / "model.npz"
    small.save(path)
    texts = ["报警人称邻居吵架", "报警人称手机被偷"]
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from concord.intake import classifier as clf\n"
        "model = clf.Classifier.load(Path(sys.argv[1]), clf.DEFAULT_CONFIG)\n"
        "print(json.dumps([[p.category, p.confidence] for p in model.predict(sys.argv[2:])]))\n"
        "print('sklearn' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), *texts],
        capture_output=True,
        text=True,
        check=True,
    )
    answers, sklearn_loaded = done.stdout.splitlines()
    assert json.loads(answers) == [[p.category, p.confidence] for p in small.predict(texts)]
    assert sklearn_loaded == "False"
    with np.load(path, allow_pickle=False) as data:
        assert {"ngrams_keys", "label_coef", "config"} <= set(data.files)


# --- THE acceptance test ---------------------------------------------------------------------------


def test_heldout_metrics_meet_the_targets():
    """On the held-out split (never trained on, never used to choose the model): category accuracy
    on disputes ≥ 0.92, dispute / non-dispute accuracy ≥ 0.95, and the lexicon's recall of
    threat_kill and self_harm is 1.0."""
    result = ct.heldout_evaluation()
    assert result.n_disputes >= 10 * 30 and result.n - result.n_disputes >= 80
    assert result.category_accuracy >= ct.TARGET_CATEGORY_ACCURACY, result.failures()
    assert result.dispute_accuracy >= ct.TARGET_DISPUTE_ACCURACY, result.failures()
    for flag in ("threat_kill", "self_harm"):
        assert result.flag_counts[flag][0] > 0, f"no held-out {flag} label to measure"
        assert result.flag_recall(flag) == 1.0, result.failures()
    assert result.failures() == []


def test_the_lexicon_raises_every_labelled_threat_and_self_harm_in_both_splits():
    misses = ct.lexicon_misses()
    assert misses == [], "\n".join(f"{s} {f}: {t}" for s, f, t in misses)


# --- predictions -----------------------------------------------------------------------------------


def test_a_threat_to_die_together_is_a_dispute_with_threat_kill():
    [p] = get_classifier().predict(["报警人称邻居扬言要和他同归于尽"])
    assert p.is_dispute and p.category != "none" and "threat_kill" in p.flags


def test_a_stolen_bike_is_not_a_dispute():
    [p] = get_classifier().predict(["报警人称电动车被盗"])
    assert p == Prediction(False, "none", p.confidence, (), None) and p.confidence > 0.5


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("报警人称丈夫酒后对其殴打，要求离婚", "family"),
        ("报警人称楼上邻居装修噪音太大，双方发生争吵", "neighbour"),
        ("村民反映两家因宅基地边界发生争执", "land"),
        ("报警人称朋友借其五万元到期不还，双方在其家中争吵", "debt"),
        ("报警人称在工地干了半年活，包工头拖欠工资三万元不给", "labour"),
        ("报警人称其父在县医院手术后死亡，家属认为医院有责任，在病房门口聚集", "medical"),
        ("市民来电反映拆迁补偿款迟迟不到位，拆迁户多次到拆迁办讨要", "requisition"),
        ("报警人称被邻居家的狗咬伤，对方拒绝赔偿医药费", "damages"),
        ("市民来电反映物业公司乱收停车费，业主与物业发生争执", "property"),
    ],
)
def test_plain_examples_of_each_category(text, category):
    [p] = get_classifier().predict([text])
    assert (p.is_dispute, p.category) == (True, category), p


def test_flags_and_people_come_from_the_lexicon():
    texts = [e.text for e in ct.load_corpus(split="heldout")][::5]
    for text, p in zip(texts, get_classifier().predict(texts), strict=True):
        signals = text_signals(text)
        assert p.flags == tuple(sorted(signals.flags)) and p.people == signals.people


def test_predictions_are_well_formed_and_batches_do_not_change_them(monkeypatch):
    model = get_classifier()
    texts = [e.text for e in ct.load_corpus(split="heldout")][:40] + ["", "   ", "？？"]
    whole = model.predict(texts)
    monkeypatch.setattr(model, "batch_size", 7)
    assert model.predict(texts) == whole
    for p in whole:
        assert p.category in ct.LABELS and p.is_dispute == (p.category != "none")
        assert 0.0 <= p.confidence <= 1.0 and set(p.flags) <= set(ct.FLAGS)
    assert whole[-3].category == whole[-2].category == "none"
    assert model.predict([]) == []


def test_full_width_text_is_classified_like_half_width():
    model = get_classifier()
    half = "报警人称朋友借其50000元到期不还,双方争吵"
    full = "报警人称朋友借其５００００元到期不还，双方争吵"
    assert model.predict([half])[0] == model.predict([full])[0]


def test_docs_show_the_current_heldout_figures():
    """docs/classifier.md is regenerated when the corpus or the model changes:
    `python -m concord.intake.corpus_tools report --write docs/classifier.md`."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "classifier.md").read_text("utf-8")
    lines = ct.evaluation_tables(ct.heldout_evaluation())
    model_part = lines[
        : lines.index("### Risk flags: the lexicon against the corpus labels (held-out)")
    ]
    missing = [line for line in model_part if line not in doc]
    assert not missing, "regenerate docs/classifier.md: " + "\n".join(missing)
