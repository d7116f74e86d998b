"""A review pair's evidence in the reader's language: the linkage model names its comparisons and
levels in English identifiers (linkage/model.py, model.json), which the review page shows translated.
A label with no entry here is shown as the model wrote it."""

from django.utils.translation import gettext_lazy as _

FIELDS = {
    "name": _("Name"),
    "id_number": _("ID number"),
    "dob": _("Birth date and sex"),
    "contact": _("Phones and address"),
}

LEVELS = {
    # name
    "name missing": _("name missing"),
    "same name": _("same name"),
    "same pinyin": _("same pinyin"),
    "same pinyin with blurred sounds": _("same pinyin with blurred sounds"),
    "one name cut short": _("one name cut short"),
    "unnamed (某) with the same surname": _("unnamed (某) with the same surname"),
    "same surname and initial": _("same surname and initial"),
    "same surname": _("same surname"),
    "different names": _("different names"),
    # id_number
    "ID number missing": _("ID number missing"),
    "same ID number": _("same ID number"),
    "two different valid ID numbers": _("two different valid ID numbers"),
    "one typing error or transposition": _("one typing error or transposition"),
    "two typing errors": _("two typing errors"),
    "different ID numbers": _("different ID numbers"),
    # dob
    "birth date missing": _("birth date missing"),
    "different sex": _("different sex"),
    "same birth date": _("same birth date"),
    "birth date one digit apart": _("birth date one digit apart"),
    "different birth dates": _("different birth dates"),
    # contact
    "no phone or address to compare": _("no phone or address to compare"),
    "a phone in common, same village": _("a phone in common, same village"),
    "a phone in common": _("a phone in common"),
    "first phones one digit apart": _("first phones one digit apart"),
    "same village and group, other phones": _("same village and group, other phones"),
    "same village and group": _("same village and group"),
    "same village, other phones": _("same village, other phones"),
    "same village": _("same village"),
    "same township": _("same township"),
    "other phones, no address to compare": _("other phones, no address to compare"),
    "other places, no phones to compare": _("other places, no phones to compare"),
    "other phones and other places": _("other phones and other places"),
}


def evidence_rows(evidence: dict) -> list[tuple[str, str, object]]:
    """(field, how they compare, weight) for each comparison of a pair's evidence, translated."""
    weights = evidence.get("weights") or {}
    return [
        (FIELDS.get(field, field), LEVELS.get(level, level), weights.get(field, ""))
        for field, level in (evidence.get("levels") or {}).items()
    ]
