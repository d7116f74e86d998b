"""Identity normalisation: ID numbers, birth dates, phones, names, addresses (concord.people.normalise)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.people.identity import check_digit
from concord.people.normalise import (
    Gazetteer,
    Village,
    chinese_number,
    clean_text,
    fuzzy_pinyin_key,
    gazetteer_from_db,
    gazetteer_from_units,
    given_name,
    is_placeholder_name,
    name_initials,
    normalise_birth_date,
    normalise_id_number,
    normalise_name,
    normalise_phone,
    normalise_phones,
    parse_address,
    pinyin_key,
    place_stem,
    surname,
    to_simplified,
)

VALID = "41160319900101101X"  # 411603 1990-01-01, serial 101 (odd: male), check digit X
assert check_digit(VALID[:17]) == "X"


# ---------------------------------------------------------------------------------------------
# ID numbers


def test_a_valid_number_is_checked_with_its_birth_date_and_sex():
    info = normalise_id_number(VALID)
    assert (info.number, info.valid, info.checked) == (VALID, True, True)
    assert (info.birth_date, info.sex) == (dt.date(1990, 1, 1), "M")


@pytest.mark.parametrize(
    "typed",
    [
        "41160319900101101x",
        " 411603 19900101 101X ",
        "４１１６０３１９９００１０１１０１Ｘ",
        "411603-19900101-101X",
    ],
)
def test_lower_case_x_spaces_dashes_and_full_width_digits_give_the_same_number(typed):
    assert normalise_id_number(typed).number == VALID


def test_a_wrong_check_digit_is_not_valid_but_keeps_its_digits_and_apparent_birth_date():
    info = normalise_id_number("411603199001011010")
    assert (info.valid, info.checked, info.number) == (False, False, "411603199001011010")
    assert (info.birth_date, info.sex) == (dt.date(1990, 1, 1), "M")


def test_a_transposed_pair_of_digits_fails_the_checksum():
    transposed = VALID[:14] + VALID[15] + VALID[14] + VALID[16:]
    assert not normalise_id_number(transposed).valid


def test_a_15_digit_number_is_upgraded_valid_but_not_checked():
    info = normalise_id_number("411603900101101")
    assert info.number == VALID and info.valid and not info.checked
    assert info.birth_date == dt.date(1990, 1, 1)


def test_a_number_with_a_digit_missing_keeps_its_digits():
    info = normalise_id_number(VALID[:10] + VALID[11:])
    assert (info.number, info.valid, info.birth_date) == (VALID[:10] + VALID[11:], False, None)


@pytest.mark.parametrize("typed", [None, "", "无", "不详", "12", "---"])
def test_rubbish_gives_no_number(typed):
    assert normalise_id_number(typed).number == ""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1985-03-12", dt.date(1985, 3, 12)),
        ("1985/3/12", dt.date(1985, 3, 12)),
        ("1985.03.12", dt.date(1985, 3, 12)),
        ("19850312", dt.date(1985, 3, 12)),
        ("1985年3月12日", dt.date(1985, 3, 12)),
        ("１９８５－０３－１２", dt.date(1985, 3, 12)),
        ("1985-02-30", None),
        ("2999-01-01", None),
        ("去年", None),
        ("", None),
        (None, None),
    ],
)
def test_birth_dates_in_the_usual_formats(typed, expected):
    assert normalise_birth_date(typed, today=dt.date(2026, 1, 1)) == expected


# ---------------------------------------------------------------------------------------------
# Phones


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+86-13800138000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("86 13800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("电话：138 0013 8000", "13800138000"),
        ("013800138000", "13800138000"),
        ("0394-8123456", "03948123456"),
        ("(0394)8123456", "03948123456"),
        ("（0394）8123456", "03948123456"),
        ("0394 812 3456", "03948123456"),
        ("+86 394 8123456", "03948123456"),
        ("010-62345678", "01062345678"),
        ("8123456", "8123456"),
        ("81234567", "81234567"),
        ("110", ""),
        ("12345", ""),
        ("无", ""),
        ("不详", ""),
        ("1380013800", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_one_phone_in_its_national_digits(typed, expected):
    assert normalise_phone(typed) == expected


def test_a_field_with_several_phones_gives_each_once():
    assert normalise_phones("13800138000/0394-8123456") == ["13800138000", "03948123456"]
    assert normalise_phones("138-0013-8000，+86 13900139000、13800138000") == [
        "13800138000",
        "13900139000",
    ]
    assert normalise_phones("13800138000 或 13900139000") == ["13800138000", "13900139000"]
    assert normalise_phones("13800138000 13900139000") == ["13800138000", "13900139000"]
    assert normalise_phones("138 0013 8000") == ["13800138000"]
    assert normalise_phones("无") == [] and normalise_phones(None) == []


@given(st.text(max_size=40))
def test_phone_normalisers_never_fail(text):
    phone = normalise_phone(text)
    assert phone == "" or phone.isdigit()
    assert all(p.isdigit() for p in normalise_phones(text))


# ---------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("张伟", "张伟"),
        ("張偉", "张伟"),
        ("张 伟", "张伟"),
        ("张\u3000伟", "张伟"),
        (" 张伟 ", "张伟"),
        ("欧陽修", "欧阳修"),
        ("阿依·买买提", "阿依买买提"),
        ("", ""),
        (None, ""),
    ],
)
def test_names_are_simplified_without_spaces_or_dots(typed, expected):
    assert normalise_name(typed) == expected


def test_traditional_text_becomes_simplified():
    assert to_simplified("淮陽區白樓鎮張莊村") == "淮阳区白楼镇张庄村"
    assert clean_text("ＡＢＣ 張莊") == "abc张庄"


@pytest.mark.parametrize(
    "name",
    [
        "张某",
        "张某某",
        "某",
        "某某",
        "欧阳某",
        "王先生",
        "李女士",
        "老王",
        "小李",
        "刘师傅",
        "无名氏",
        "不详",
        "",
    ],
)
def test_placeholder_names_stand_for_someone_unnamed(name):
    assert is_placeholder_name(name)


@pytest.mark.parametrize("name", ["张伟", "李娜", "欧阳修", "王秀英", "司马光"])
def test_real_names_are_not_placeholders(name):
    assert not is_placeholder_name(name)


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("张伟", "张", "伟"),
        ("王秀英", "王", "秀英"),
        ("欧阳修", "欧阳", "修"),
        ("司马光", "司马", "光"),
        ("诸葛亮", "诸葛", "亮"),
        ("上官婉儿", "上官", "婉儿"),
        ("張偉", "张", "伟"),
        ("张某", "张", ""),
        ("欧阳某某", "欧阳", ""),
        ("王先生", "王", ""),
        ("老王", "王", ""),
        ("某某", "", ""),
        ("", "", ""),
    ],
)
def test_surname_and_given_name(name, family, given):
    assert (surname(name), given_name(name)) == (family, given)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("李伟", "李玮"),
        ("张静", "张晶"),
        ("王芳", "王方"),
        ("李娜", "李那"),
        ("張偉", "张伟"),
        ("刘 洋", "刘杨"),
    ],
)
def test_homophones_share_a_pinyin_key(a, b):
    assert pinyin_key(a) == pinyin_key(b) != ""


def test_the_pinyin_key_is_toneless_and_reads_surnames_as_surnames():
    assert pinyin_key("李伟") == "liwei"
    assert pinyin_key("单雄信") == "shanxiongxin"
    assert pinyin_key("曾国藩") == "zengguofan"
    assert pinyin_key("欧阳修") == "ouyangxiu"
    assert pinyin_key("张某") == "" and pinyin_key("") == ""


def test_the_fuzzy_key_merges_sounds_that_are_blurred():
    assert fuzzy_pinyin_key("张敏") == fuzzy_pinyin_key("张明")
    assert fuzzy_pinyin_key("刘娜") == fuzzy_pinyin_key("刘拉")
    assert fuzzy_pinyin_key("张伟") != fuzzy_pinyin_key("王伟")


def test_name_initials_are_the_surname_and_the_given_names_first_letter():
    assert name_initials("张静") == "zhang j"
    assert name_initials("欧阳修") == "ouyang x"
    assert name_initials("张某") == ""


# ---------------------------------------------------------------------------------------------
# Addresses


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("3", 3),
        ("三", 3),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十一", 21),
        ("两", 2),
        ("组", None),
        ("", None),
    ],
)
def test_chinese_numbers(text, number):
    assert chinese_number(text) == number


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("白楼镇", "白楼"),
        ("白楼乡", "白楼"),
        ("白楼派出所", "白楼"),
        ("张庄村", "张庄"),
        ("羲皇社区", "羲皇"),
        ("城关回族镇", "城关"),
        ("东关街道办事处", "东关"),
    ],
)
def test_place_stems(name, stem):
    assert place_stem(name) == stem


@pytest.fixture
def gazetteer():
    """Two townships, each with a 张庄村: the name alone is ambiguous, 李楼 and 王营 are not."""
    return Gazetteer(
        townships={"S1": "白楼派出所", "S2": "朱集派出所"},
        villages=[
            Village("V1", "张庄村", "S1"),
            Village("V2", "李楼村", "S1"),
            Village("V3", "张庄村", "S2"),
            Village("V4", "王营村", "S2"),
            Village("V5", "羲皇社区", "S1"),
        ],
        prefixes=("周口市", "淮阳区", "淮阳县", "淮阳"),
    )


@pytest.mark.parametrize(
    "text",
    [
        "淮阳区白楼镇张庄村3组",
        "白楼镇张庄",
        "白楼乡张庄村三组",
        "白楼张庄3组",
        "河南省周口市淮阳区白楼镇张庄村3组12号",
        "淮陽區白樓鎮張莊村3組",
        "白楼镇 张庄村 3 组",
    ],
)
def test_the_township_tells_homonymous_villages_apart(gazetteer, text):
    place = parse_address(text, gazetteer)
    assert (place.village, place.township, place.village_name) == ("V1", "S1", "张庄")


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("淮阳区白楼镇李楼村3组", 3),
        ("白楼镇李楼", None),
        ("李楼3组", 3),
        ("李楼村三组", 3),
        ("李楼村第十二组", 12),
        ("李楼村", None),
    ],
)
def test_a_village_unique_in_the_county_needs_no_township(gazetteer, text, group):
    place = parse_address(text, gazetteer)
    assert (place.village, place.township, place.group) == ("V2", "S1", group)


def test_an_ambiguous_village_without_its_township_is_not_resolved(gazetteer):
    place = parse_address("张庄村3组", gazetteer)
    assert (place.village, place.village_name, place.group) == (None, "张庄", 3)


def test_a_community_and_a_township_alone(gazetteer):
    assert parse_address("城关镇羲皇社区", gazetteer).village == "V5"
    place = parse_address("朱集乡", gazetteer)
    assert (place.village, place.township, place.village_name) == (None, "S2", "")


def test_an_unknown_village_keeps_its_name(gazetteer):
    place = parse_address("白楼镇赵寨村5组", gazetteer)
    assert (place.village, place.township, place.village_name, place.group) == (
        None,
        "S1",
        "赵寨",
        5,
    )


def test_without_a_gazetteer_the_names_are_read_as_text():
    for text in ("淮阳区白楼镇张庄村3组", "白楼镇张庄", "张庄3组", "张庄村三组"):
        place = parse_address(text)
        assert place.village is None and place.village_name == "张庄"
    assert parse_address("淮阳区白楼镇张庄村3组").township_name == "白楼"
    assert parse_address("").is_empty and parse_address(None).is_empty


def test_a_gazetteer_from_territory_rows():
    rows = [
        ("411603", "周口市公安局淮阳分局", "bureau", "/411603/"),
        ("411603004", "白楼派出所", "station", "/411603/411603004/"),
        ("41160300401", "张庄警务室", "post", "/411603/411603004/41160300401/"),
        ("41160300401001", "张庄村", "village", "/411603/411603004/41160300401/41160300401001/"),
    ]
    gazetteer = gazetteer_from_units(rows)
    assert gazetteer.villages == [Village("41160300401001", "张庄村", "411603004")]
    assert {"周口市", "淮阳区", "淮阳县"} <= set(gazetteer.prefixes)
    assert parse_address("周口市淮阳区白楼镇张庄村2组", gazetteer).village == "41160300401001"


@given(st.text(max_size=60))
def test_the_address_parser_never_fails(text):
    parse_address(text)


@pytest.mark.django_db
def test_addresses_resolve_against_the_demo_territory():
    from concord.core.demo import load_demo
    from concord.core.demo.county import UNITS
    from concord.territory.models import Unit, UnitKind

    load_demo(steps=[UNITS])  # the territory is all the parser reads
    gazetteer = gazetteer_from_db()
    assert len(gazetteer.villages) == Unit.objects.filter(kind=UnitKind.VILLAGE).count()
    for village in Unit.objects.filter(kind=UnitKind.VILLAGE, name__endswith="村").order_by("code")[
        :40
    ]:
        station = village.parent.parent
        township = station.name.removesuffix("派出所") + "镇"
        stem = village.name.removesuffix("村")
        for text in (
            f"淮阳区{township}{village.name}3组",
            f"{township}{stem}",
            f"{stem}3组",
            f"{village.name}三组",
        ):
            place = parse_address(text, gazetteer)
            assert place.village == village.code, text
            assert place.township == station.code, text
