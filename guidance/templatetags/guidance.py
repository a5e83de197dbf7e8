from __future__ import annotations

from django import template

from ..selectors import new_guidance_count

register = template.Library()


@register.inclusion_tag("guidance/_guidance_link.html", takes_context=True)
def guidance_link(context, planning_round) -> dict:
    """A link to the round's guidance saying how much is new since the reader's last visit."""
    user = context["request"].user
    return {
        "planning_round": planning_round,
        "new_count": new_guidance_count(user=user, planning_round=planning_round),
    }
