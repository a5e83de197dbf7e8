"""Time and text helpers shared by services, selectors and templates: a leaf module that imports
no app, so any layer may use it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from workbooks.filecheck import FORMAT_NAMES

# Colours follow the NHS.UK tag guidance: grey for not yet begun, blue for in progress,
# red for needs action, green for done.
STATUS_COLOURS = {
    "not_started": "grey",
    "uploaded": "blue",
    "validating": "blue",
    "queued": "blue",
    "running": "blue",
    "invalid": "red",
    "rejected": "red",
    "failed": "red",
    "expired": "grey",
    "valid": "aqua-green",
    "submitted": "purple",
    "approved": "green",
    "done": "green",
    "changes_requested": "orange",
    "late": "yellow",
    "pending": "blue",
    "granted": "green",
    "refused": "red",
    "withdrawn": "grey",
}


def days_until(deadline: dt.datetime, *, now: dt.datetime | None = None) -> int:
    """Whole calendar days to the deadline in London time: 0 on the day, negative once past."""
    now = now or timezone.now()
    london_zone = timezone.get_default_timezone()
    return (deadline.astimezone(london_zone).date() - now.astimezone(london_zone).date()).days


def shift_london_datetime(value: dt.datetime, *, days: int) -> dt.datetime:
    """Move a deadline by whole days keeping its London wall-clock time across clock changes."""
    london_zone = timezone.get_default_timezone()
    local = value.astimezone(london_zone).replace(tzinfo=None) + dt.timedelta(days=days)
    return timezone.make_aware(local, london_zone)


def london(value: dt.datetime | None) -> str:
    """A deadline as people in England read it, always labelled with the time zone."""
    if value is None:
        return ""
    local = timezone.localtime(value, timezone.get_default_timezone())
    hour = local.strftime("%I").lstrip("0")
    minutes = "" if local.minute == 0 else local.strftime(":%M")
    suffix = "pm" if local.hour >= 12 else "am"
    clock = "midday" if (local.hour, local.minute) == (12, 0) else f"{hour}{minutes}{suffix}"
    zone = "BST" if local.dst() else "GMT"
    return f"{local.day} {local:%B %Y} at {clock} ({zone})"


def _time_left(deadline: dt.datetime) -> str:
    """Hours, or minutes in the last hour: the countdown people watch on deadline day."""
    minutes = max(int((deadline - timezone.now()).total_seconds() // 60), 0)
    hours = minutes // 60
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''} left"
    return f"{minutes} minute{'s' if minutes != 1 else ''} left"


def days_left_text(deadline: dt.datetime) -> str:
    days = days_until(deadline)
    if days > 1:
        return f"{days} days left"
    if days == 1:
        return f"Due tomorrow ({_time_left(deadline)})"
    if days == 0:
        return (
            f"Due today ({_time_left(deadline)})"
            if timezone.now() <= deadline
            else "Deadline passed today"
        )
    overdue = -days
    return f"{overdue} day{'s' if overdue != 1 else ''} overdue"


def pounds(value) -> str:
    return f"£{value:,.0f}"


def month_name(value: str) -> str:
    """ "2021-04" → "April 2021"."""
    return dt.datetime.strptime(value, "%Y-%m").strftime("%B %Y")


def file_formats(codes) -> str:
    """["xlsx", "pdf"] -> "Excel workbook (.xlsx) or PDF": what a person is asked to upload."""
    return " or ".join(FORMAT_NAMES.get(code, code) for code in codes)


def _plain_value(value) -> str:
    """A value recorded in an audit event as a person reads it: yes or no, a London time, an
    enumeration's words ("changes_requested" -> "changes requested"), a list joined."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(_plain_value(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_plain_key(key)} {_plain_value(item)}" for key, item in value.items())
    if isinstance(value, str):
        if "T" in value:
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None:
                return london(moment)
        if value.replace("_", "").isalpha() and value.islower():
            return _words(value)
    return str(value)


# Initialisms people write in capitals, wherever they appear in a field name or an enumeration.
_INITIALISMS = {"ccg", "ics", "icb", "lms", "erf", "ods", "nhs", "wte"}


def _words(name: str) -> str:
    """ "lead_ccg_may_submit" -> "lead CCG may submit"."""
    return " ".join(
        word.upper() if word in _INITIALISMS else word for word in name.split("_") if word
    )


def _plain_key(key: str) -> str:
    return _words(key)


def plain_changes(*, before: dict | None, after: dict | None) -> list[str]:
    """What an audit event changed, one short sentence per field, never a dictionary."""
    before, after = before or {}, after or {}
    sentences = []
    for key in dict.fromkeys([*before, *after]):
        words = _plain_key(key)
        name = words[:1].upper() + words[1:]
        if key in before and key in after:
            sentences.append(
                f"{name} changed from {_plain_value(before[key])} to {_plain_value(after[key])}."
            )
        elif key in after:
            sentences.append(f"{name}: {_plain_value(after[key])}.")
        else:
            sentences.append(f"{name} was {_plain_value(before[key])}.")
    return sentences
