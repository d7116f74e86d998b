import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.people.identity import InvalidIdNumber, check_digit, parse_id_number


def test_a_valid_18_digit_number_gives_birth_date_and_sex():
    parsed = parse_id_number("11010519491231002X")
    assert (parsed.birth_date, parsed.sex, parsed.upgraded_from_15) == (
        dt.date(1949, 12, 31),
        "F",
        False,
    )


def test_lower_case_x_spaces_and_full_width_digits_are_accepted():
    assert parse_id_number(" １１０１０５ 19491231002x ").number == "11010519491231002X"


def test_a_wrong_check_digit_is_refused():
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number("110105194912310021")
    assert exc.value.reason == "checksum"


def test_an_impossible_birth_date_is_refused():
    body = "11010519490231002"  # 31 February
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(body + check_digit(body))
    assert exc.value.reason == "birth_date"


def test_a_future_birth_date_is_refused():
    body = "11010520990101002"
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(body + check_digit(body), today=dt.date(2026, 11, 28))
    assert exc.value.reason == "birth_date"


@pytest.mark.parametrize("raw", ["", "12345", "11010519491231002Y", "1101051949123100X1"])
def test_malformed_numbers_are_refused(raw):
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(raw)
    assert exc.value.reason == "format"


def test_a_15_digit_number_is_upgraded_with_the_century_and_a_check_digit():
    parsed = parse_id_number("110105491231002")
    assert parsed.number == "11010519491231002X" and parsed.upgraded_from_15 and parsed.sex == "F"


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)), st.integers(0, 999)
)
def test_any_number_built_with_its_check_digit_parses_back(born, serial):
    body = f"411603{born:%Y%m%d}{serial:03d}"
    number = body + check_digit(body)
    parsed = parse_id_number(number)
    assert parsed.number == number and parsed.birth_date == born
    assert parsed.sex == ("M" if serial % 2 else "F")
