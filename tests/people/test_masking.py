import pytest

from concord.people.masking import mask_address, mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("41160319900101123X", "411603********123X"),
        ("41160319900101123x", "411603********123X"),
        ("4116 0319 9001 0112 3X", "411603********123X"),
        ("４１１６０３１９９００１０１１２３Ｘ", "411603********123X"),
        ("411603900101123", "411603*****1123"),  # an old 15-digit number
        ("E12345678", "*******78"),  # a passport number
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_an_id_number_keeps_its_region_code_and_last_four(raw, masked):
    assert mask_id_number(raw) == masked


def test_a_masked_id_number_hides_the_birth_date():
    assert "19900101" not in mask_id_number("41160319900101123X")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13800138000", "138****8000"),
        ("138 0013 8000", "138****8000"),
        ("138-0013-8000", "138****8000"),
        ("+86 138 0013 8000", "138****8000"),
        ("008613800138000", "138****8000"),
        ("１３８００１３８０００", "138****8000"),
        ("0394-8234567", "0394-***4567"),
        ("(0394) 82345678", "0394-****5678"),
        ("010-12345678", "010-****5678"),
        ("+86 394 8234567", "0394-***4567"),
        ("8234567", "***4567"),
        ("110", "****"),
        ("无", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_keeps_only_what_tells_it_apart(raw, masked):
    assert mask_phone(raw) == masked


def test_an_address_keeps_its_leading_part_only():
    assert mask_address("淮阳区城关镇东关村3组12号") == "淮阳区城关镇****"
    assert mask_address("东关村") == "东****"
    assert mask_address("  ") == ""
    assert mask_address(None) == ""


@pytest.mark.parametrize("raw", ["x", "1", "\u0000", "🙂" * 40, "1" * 100, "+", "-" * 20])
def test_maskers_never_fail_and_never_return_the_input(raw):
    for mask in (mask_id_number, mask_phone, mask_address):
        assert mask(raw) != raw
