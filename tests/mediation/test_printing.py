"""The printable agreement's wording helpers: numerals, the amount in capitals, numbered clauses."""

import datetime as dt
from decimal import Decimal

import pytest

from concord.mediation.printing import age_on, chinese_number, rmb_capitals, term_clauses


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (3, "三"), (10, "十"), (12, "十二"), (20, "二十"), (99, "九十九")]
)
def test_clause_numbers_are_chinese_numerals(n, text):
    assert chinese_number(n) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("500", "伍佰元整"),
        ("12003.50", "壹万贰仟零叁元伍角"),
        ("100500", "壹拾万零伍佰元整"),
        ("1000000", "壹佰万元整"),
        ("100000001", "壹亿零壹元整"),
        ("1.05", "壹元零伍分"),
        ("0.05", "伍分"),
        ("0", "零元整"),
    ],
)
def test_amounts_are_written_in_capitals_as_contracts_write_them(amount, text):
    assert rmb_capitals(Decimal(amount)) == text


def test_terms_become_clauses_without_the_numbers_the_mediator_typed():
    terms = "1. 李四疏通排水沟\n\n2、李四赔偿五百元\n（3）双方和睦相处\n四、不再追究"
    assert term_clauses(terms) == ["李四疏通排水沟", "李四赔偿五百元", "双方和睦相处", "不再追究"]


def test_age_is_counted_to_the_signing_day():
    assert age_on(dt.date(1990, 6, 1), dt.date(2026, 5, 31)) == 35
    assert age_on(dt.date(1990, 6, 1), dt.date(2026, 6, 1)) == 36
    assert age_on(None, dt.date(2026, 6, 1)) is None
