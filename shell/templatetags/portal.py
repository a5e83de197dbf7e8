from __future__ import annotations

from django import template
from django.utils.html import format_html

from core import formatting

register = template.Library()

london = register.filter("london", formatting.london)
days_left_text = register.filter("days_left_text", formatting.days_left_text)
pounds = register.filter("pounds", formatting.pounds)
month_name = register.filter("month_name", formatting.month_name)
file_formats = register.filter("file_formats", formatting.file_formats)


@register.simple_tag
def status_tag(status: str, label: str) -> str:
    colour = formatting.STATUS_COLOURS.get(status, "white")
    return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>', colour, label)


@register.filter
def get_field(form, name: str):
    return form[name]
