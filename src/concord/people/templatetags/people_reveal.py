"""A party's personal facts as the case page shows them: masked, with a reveal control where the
viewer's role may reveal the field (people.reveal). The clear value is never in the page."""

from django import template

from concord.people import reveal

register = template.Library()


def field_context(*, party, field: str, user, value: str = "", error: str = "", reason: str = ""):
    """What people/_reveal.html needs for one field of one party, masked or revealed."""
    return {
        "party": party,
        "field": field,
        "masked": reveal.MASKS[field](getattr(party, field)),
        "value": value,
        "revealed": bool(value),
        "can_reveal": reveal.may_reveal(user, field),
        "error": error,
        "reason": reason,
    }


@register.inclusion_tag("people/_party_facts.html", takes_context=True)
def party_facts_masked(context, party):
    """Phone, ID number, sex and address of `party`, each personal one masked and revealable."""
    user = context.get("user")
    fields = [
        field_context(party=party, field=f, user=user)
        for f in (reveal.PHONE, reveal.ID_NUMBER)
        if getattr(party, f)
    ]
    address = field_context(party=party, field=reveal.ADDRESS, user=user) if party.address else None
    return {
        "fields": fields,
        "sex": party.get_sex_display() if party.sex else "",
        "address": address,
    }


@register.simple_tag(takes_context=True)
def may_reveal_any(context) -> bool:
    """Whether the viewer may reveal any field (the page then loads static/concord/reveal.js)."""
    return bool(reveal.revealable_fields(context.get("user")))
