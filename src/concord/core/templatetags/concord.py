from django import template
from django.utils import timezone

register = template.Library()

LEVEL_CSS = {"red": "danger", "orange": "warning", "yellow": "info"}


@register.filter
def level_css(level: str) -> str:
    return LEVEL_CSS.get(level, "secondary")


@register.filter
def mask_id(value: str) -> str:
    from concord.people.masking import mask_id_number

    return mask_id_number(value or "")


@register.filter
def mask_tel(value: str) -> str:
    from concord.people.masking import mask_phone

    return mask_phone(value or "")


@register.filter
def is_past(value) -> bool:
    return bool(value and value < timezone.now())
