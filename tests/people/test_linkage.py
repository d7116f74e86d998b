"""Batch linkage, the saved model, the pair scorer and DESIGN §4's never-merge rule."""

import logging
import math
from collections import Counter

import pytest
from splink import Linker, SettingsCreator

from bench.people_generator import demo_unit_rows, generate_records
from concord.people.identity import check_digit
from concord.people.linkage import (
    COMPARISONS,
    MODEL_PATH,
    PairScorer,
    link_records,
    linkage_backend,
    load_model,
    never_same_person,
    record_features,
    score_pair,
    split_conflicts,
    trained_settings,
)
from concord.people.linkage.batch import feature_table, prepare
from concord.people.linkage.model import damerau_levenshtein, database_api, levenshtein
from concord.people.normalise import gazetteer_from_units


def id_number(born: str, serial: int, region: str = "411603") -> str:
    body = f"{region}{born}{serial:03d}"
    return body + check_digit(body)


@pytest.fixture(scope="module")
def gazetteer():
    return gazetteer_from_units(demo_unit_rows())


# ---------------------------------------------------------------------------------------------
# The saved model


def test_the_model_is_splink_json_that_splink_loads():
    text = MODEL_PATH.read_text(encoding="utf-8")
    assert "pickle" not in text
    SettingsCreator.from_path_or_dict(MODEL_PATH)  # what Linker(df, "model.json") does
    model = load_model()
    assert 0 < model["probability_two_random_records_match"] < 0.01
    assert [c["output_column_name"] for c in model["comparisons"]] == [
        c.column for c in COMPARISONS
    ]


def test_every_level_of_the_model_is_trained_and_matches_the_code():
    for comparison, saved in zip(COMPARISONS, load_model()["comparisons"], strict=True):
        assert [level["label_for_charts"] for level in saved["comparison_levels"]] == [
            level.label for level in comparison.levels
        ]
        for level in saved["comparison_levels"]:
            if not level.get("is_null_level"):
                assert 0 < level["m_probability"] <= 1 and 0 < level["u_probability"] <= 1, level


def test_two_different_valid_id_numbers_weigh_heavily_against_a_match():
    levels = {
        level["label_for_charts"]: level
        for level in load_model()["comparisons"][1]["comparison_levels"]
    }
    conflict = levels["two different valid ID numbers"]
    assert math.log2(conflict["m_probability"] / conflict["u_probability"]) < -20


def test_the_model_builds_for_spark_too():
    settings = trained_settings(sql_dialect="spark")
    contact = next(c for c in settings["comparisons"] if c["output_column_name"] == "contact")
    assert "ARRAY_INTERSECT" in contact["comparison_levels"][1]["sql_condition"].upper()
    assert settings["sql_dialect"] == "spark"


def test_the_backend_is_a_setting(settings, monkeypatch):
    monkeypatch.delenv("CONCORD_LINKAGE_BACKEND", raising=False)
    assert linkage_backend() == "duckdb"
    settings.CONCORD_LINKAGE_BACKEND = "spark"
    assert linkage_backend() == "spark"
    settings.CONCORD_LINKAGE_BACKEND = "oracle"
    with pytest.raises(ValueError, match="CONCORD_LINKAGE_BACKEND"):
        linkage_backend()


# ---------------------------------------------------------------------------------------------
# The pair scorer


def test_the_scorer_agrees_with_splink_comparison_by_comparison(gazetteer):
    records = generate_records(400, seed=11)
    rows = prepare([r.as_input() for r in records], gazetteer)
    settings = trained_settings()
    settings["retain_intermediate_calculation_columns"] = True  # the per-comparison weights mw_…
    linker = Linker(
        database_api("duckdb").register(feature_table(rows)), settings, log_level=logging.ERROR
    )
    predictions = linker.inference.predict(warning_mode="never").as_record_list()
    assert len(predictions) > 200
    names = Counter(row["name"] for row in rows if row["name"])
    frequency = {name: n / sum(names.values()) for name, n in names.items()}
    scorer = PairScorer()
    for pair in predictions:
        left, right = rows[pair["unique_id_l"]], rows[pair["unique_id_r"]]
        score = scorer.score(left, right, name_frequency=frequency)
        for comparison in COMPARISONS:
            splink_weight = pair[f"mw_{comparison.column}"] + pair.get(
                f"mw_tf_adj_{comparison.column}", 0
            )
            assert score.weights[comparison.column] == pytest.approx(splink_weight, abs=1e-6), (
                comparison.column,
                score.levels[comparison.column],
                left,
                right,
            )
        if never_same_person(left, right):
            assert score.probability == 0 and score.never_same_person
        else:
            assert score.match_weight == pytest.approx(pair["match_weight"], abs=1e-6)
            assert score.probability == pytest.approx(pair["match_probability"], abs=1e-9)


def test_homophones_with_the_same_phone_and_village_are_one_person():
    left = {"name": "李伟", "phone": "138 0013 8000", "address": "白楼镇张庄村3组"}
    right = {"name": "李玮", "phone": "+86 13800138000", "address": "张庄3组"}
    score = score_pair(left, right)
    assert (
        score.levels["name"] == "same pinyin"
        and score.levels["contact"] == "a phone in common, same village"
    )
    assert score.probability > 0.99


def test_a_couple_sharing_a_phone_and_a_home_are_two_people():
    husband = {"name": "张建国", "phone": "0394-8123456", "address": "白楼镇张庄村3组"}
    wife = {"name": "刘秀英", "phone": "(0394)8123456", "address": "张庄村三组"}
    assert score_pair(husband, wife).probability < 0.01


def test_two_valid_id_numbers_are_never_one_person_even_with_everything_else_shared():
    shared = {
        "name": "王伟",
        "phone": "13800138000",
        "address": "白楼镇张庄村3组",
        "birth_date": "1990-01-01",
    }
    score = score_pair(
        {**shared, "id_number": id_number("19900101", 11)},
        {**shared, "id_number": id_number("19900101", 13)},
    )
    assert score.never_same_person and score.probability == 0


def test_a_typing_error_in_an_id_number_still_matches():
    number = id_number("19850312", 21)
    typo = number[:14] + number[15] + number[14] + number[16:]  # the serial, not the sex digit
    score = score_pair({"name": "张静", "id_number": number}, {"name": "张晶", "id_number": typo})
    assert (
        score.levels["id_number"] == "one typing error or transposition"
        and score.probability > 0.99
    )


def test_the_common_name_adjustment_lowers_a_match_on_a_common_name():
    left, right = (
        {"name": "王伟", "address": "张庄村3组"},
        {"name": "王伟", "address": "白楼镇张庄"},
    )
    rare = score_pair(left, right, name_frequency={"王伟": 1e-5}).match_weight
    common = score_pair(left, right, name_frequency={"王伟": 0.01}).match_weight
    assert common < rare


def test_string_distances():
    assert (
        levenshtein("abc", "abc") == 0
        and levenshtein("abc", "abd") == 1
        and levenshtein("abc", "ab") == 1
    )
    assert damerau_levenshtein("abcd", "abdc") == 1 and levenshtein("abcd", "abdc") == 2
    assert damerau_levenshtein("", "ab") == 2


# ---------------------------------------------------------------------------------------------
# Never-merge (DESIGN §4)


def test_the_rule_reads_valid_id_numbers_only():
    a = record_features({"id_number": id_number("19900101", 11)})
    b = record_features({"id_number": id_number("19900101", 13)})
    typo = record_features({"id_number": id_number("19900101", 11)[:-1] + "0"})
    old_card = record_features(
        {"id_number": id_number("19900101", 11)[:6] + id_number("19900101", 11)[8:17]}
    )
    other_birth = record_features(
        {"id_number": "411603900102011"}
    )  # valid 15-digit, another birth date
    assert never_same_person(a, b)
    assert not never_same_person(a, typo) and not never_same_person(a, old_card)
    assert never_same_person(a, other_birth)
    assert not never_same_person(a, record_features({"name": "王伟"}))


def test_split_conflicts_rebuilds_only_the_clusters_that_break_the_rule():
    rows = {
        1: record_features({"id_number": id_number("19900101", 11)}),
        2: record_features({"name": "王伟"}),
        3: record_features({"id_number": id_number("19900101", 13)}),
        4: record_features({"name": "李娜"}),
        5: record_features({"name": "李娜"}),
    }
    clusters = {1: 1, 2: 1, 3: 1, 4: 4, 5: 4}
    edges = [(1, 2, 0.99), (2, 3, 0.95), (4, 5, 0.97)]
    result = split_conflicts(clusters, edges, rows)
    assert result[1] == result[2] != result[3]
    assert result[4] == result[5] == 4


def test_linkage_never_merges_two_valid_id_numbers(gazetteer):
    first, second = id_number("19900101", 11), id_number("19900101", 13)
    shared = {"name": "王伟", "phone": "13800138000", "address": "淮阳区白楼镇张庄村3组"}
    records = [
        {**shared, "id_number": first},
        {**shared, "id_number": second},
        {**shared, "id_number": ""},  # could be either: it bridges the two
        {**shared, "id_number": first, "phone": "138-0013-8000"},
        {**shared, "id_number": second, "address": "张庄3组"},
        {"name": "刘秀英", "phone": "13800138000", "address": "张庄村三组"},
    ]
    for territory in (gazetteer, None):
        people = link_records(records, gazetteer=territory).person_ids
        assert people[0] == people[3] and people[1] == people[4]
        assert people[0] != people[1]
        assert people[2] in (people[0], people[1])
        assert people[5] not in (people[0], people[1])


def test_linkage_never_merges_two_birth_dates_from_valid_numbers(gazetteer):
    shared = {"name": "李娜", "phone": "13900139000", "address": "白楼镇张庄村3组"}
    records = [
        {**shared, "id_number": id_number("19900101", 12)},
        {**shared, "id_number": "411603900102012"},
        {**shared},
    ]
    people = link_records(records, gazetteer=gazetteer).person_ids
    assert people[0] != people[1]


# ---------------------------------------------------------------------------------------------
# Batch linkage


def test_person_ids_follow_the_input_order_and_small_inputs_work(gazetteer):
    assert link_records([]).person_ids == []
    assert link_records([{"name": "王伟"}]).person_ids == ["P000001"]
    records = [
        {"name": "张静", "phone": "13800138000"},
        {"name": "李娜", "phone": "13900139000"},
        {"name": "張晶", "phone": "+86 138 0013 8000"},
    ]
    assert link_records(records, gazetteer=gazetteer).person_ids == [
        "P000001",
        "P000002",
        "P000001",
    ]


def test_features_of_a_messy_record(gazetteer):
    row = record_features(
        {
            "name": " 張 偉 ",
            "id_number": "411603900101101",
            "phone": "+86 138-0013-8000/0394 812 3456",
            "address": "淮陽區白樓鎮",
            "birth_date": "1990年1月1日",
        },
        gazetteer,
    )
    assert (row["name"], row["surname"], row["pinyin"]) == ("张伟", "张", "zhangwei")
    assert (
        row["id_valid"] and not row["id_checked"] and row["dob"] == "19900101" and row["sex"] == "M"
    )
    assert row["phones"] == ["13800138000", "03948123456"] and row["phone1"] == "13800138000"
    assert row["village"] is None and row["township"] is not None
    unnamed = record_features({"name": "张某"})
    assert (unnamed["name"], unnamed["surname"], unnamed["pinyin"]) == (None, "张", None)
