from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy

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


@register.filter
def status_label(value: str) -> str:
    from concord.disputes.models import Status

    return Status(value).label if value in Status.values else (value or "—")


@register.filter
def action_label(value: str) -> str:
    from concord.disputes.services import ACTION_LABELS

    return str(ACTION_LABELS.get(value, value)).capitalize() if value else ""


@register.filter
def reason_text(reason) -> str:
    """A stored assessment reason in the reader's language (stored reasons are never recomputed)."""
    from django.utils.translation import get_language

    if isinstance(reason, str):
        return reason
    english = (get_language() or "").startswith("en")
    return reason.get("text_en" if english else "text_zh") or reason.get("text_zh") or ""


@register.filter
def level_label(level: str) -> str:
    from concord.disputes.models import Level

    return Level(level).label if level in Level.values else ""


FLAG_LABELS = {
    "threat_kill": gettext_lazy("Threat to kill"),
    "self_harm": gettext_lazy("Self-harm"),
    "weapon": gettext_lazy("Weapon at hand"),
    "violence": gettext_lazy("Violence done"),
    "group": gettext_lazy("Group"),
    "stalking": gettext_lazy("Stalking"),
    "repeat": gettext_lazy("Repeat reports"),
    "vulnerable": gettext_lazy("Vulnerable person"),
}


@register.filter
def flag_label(code: str) -> str:
    return str(FLAG_LABELS.get(code, code))
