from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .exceptions import Conflict

_WIDGET_CLASSES = {
    forms.TextInput: "nhsuk-input",
    forms.EmailInput: "nhsuk-input",
    forms.PasswordInput: "nhsuk-input",
    forms.NumberInput: "nhsuk-input nhsuk-input--width-10",
    forms.DateInput: "nhsuk-input nhsuk-input--width-10",
    forms.DateTimeInput: "nhsuk-input nhsuk-input--width-20",
    forms.URLInput: "nhsuk-input",
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
    forms.ClearableFileInput: "nhsuk-file-upload",
    forms.FileInput: "nhsuk-file-upload",
}


class NHSFormMixin:
    """Gives widgets the NHS.UK classes and links inputs to their hint and error messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            for widget_class, css in _WIDGET_CLASSES.items():
                if isinstance(widget, widget_class):
                    widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
                    break
            if field.help_text:
                widget.attrs["aria-describedby"] = f"{self.add_prefix(name)}-hint"

    def full_clean(self):
        # Error styling is applied after validation, not in __init__: subclasses may still be
        # setting up querysets there, and validating early would run against them half-built.
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            if isinstance(widget, DateTimePartsWidget):
                # GOV.UK marks the date input's boxes, not a box around them.
                widget.in_error = True
                continue
            error_id = f"{self.add_prefix(name)}-error"
            widget.attrs["aria-describedby"] = (
                f"{widget.attrs.get('aria-describedby', '')} {error_id}".strip()
            )
            css = widget.attrs.get("class", "")
            if (
                css
                and not isinstance(widget, (forms.CheckboxInput, forms.RadioSelect))
                and "--error" not in css
            ):
                widget.attrs["class"] = f"{css} {css.split()[0]}--error"


def add_service_errors(form: forms.Form, error: ValidationError | Conflict) -> None:
    """Show a service's refusal on the form: field errors by the field, the rest (and a conflict,
    in the words the API answers 409 with) on top."""
    if isinstance(error, Conflict):
        form.add_error(None, error.message)
        return
    pairs = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
    for field, messages in pairs:
        # A hidden field's error (an id that names nothing) is shown on top: nobody can see it
        # there.
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if shown else None, messages)


class DateTimePartsWidget(forms.MultiWidget):
    """The GOV.UK date input (day, month, year in separate boxes) with an optional time box."""

    parts = ("day", "month", "year", "time")
    labels = {"day": "Day", "month": "Month", "year": "Year", "time": "Time (optional)"}
    in_error = False

    def __init__(self, attrs=None):
        sizes = {"day": 2, "month": 2, "year": 4, "time": 5}
        widgets = {
            part: forms.TextInput(
                attrs={
                    "class": "nhsuk-input nhsuk-date-input__input "
                    f"nhsuk-input--width-{sizes[part]}",
                    "inputmode": "numeric" if part != "time" else "text",
                }
            )
            for part in self.parts
        }
        super().__init__(widgets, attrs)

    def render(self, name, value, attrs=None, renderer=None):
        """The parts as GOV.UK lays them out; the field's label is the fieldset's legend."""
        context = self.get_context(name, value, attrs)
        items = [
            format_html(
                '<div class="nhsuk-date-input__item"><div class="nhsuk-form-group">'
                '<label class="nhsuk-label nhsuk-date-input__label" for="{}">{}</label>'
                '<input type="text" name="{}" id="{}" value="{}"{}></div></div>',
                sub["attrs"]["id"],
                self.labels[part],
                sub["name"],
                sub["attrs"]["id"],
                sub["value"] or "",
                flatatt(
                    {
                        key: f"{value} nhsuk-input--error"
                        if key == "class" and self.in_error
                        else value
                        for key, value in sub["attrs"].items()
                        if key != "id" and not (part == "time" and key == "required")
                    }
                ),
            )
            for part, sub in zip(self.parts, context["widget"]["subwidgets"], strict=True)
        ]
        return format_html(
            '<div class="nhsuk-date-input" id="{}">{}</div>',
            context["widget"]["attrs"].get("id", name),
            mark_safe("".join(items)),  # noqa: S308 - each item escaped by format_html above
        )

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_

    def decompress(self, value):
        if not value:
            return [None, None, None, None]
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return [local.day, local.month, local.year, f"{local:%H:%M}"]


class DatePartsWidget(DateTimePartsWidget):
    """The GOV.UK date input alone: day, month and year."""

    parts = ("day", "month", "year")

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]


class DatePartsField(forms.Field):
    """A date typed into the GOV.UK date input. Errors follow the GOV.UK date input's wording,
    naming the field by its label: "Enter the first day", "First day must include a month"."""

    widget = DatePartsWidget
    parts = ("day", "month", "year")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        name = self.label or "Date"
        given = kwargs.get("error_messages") or {}
        self.error_messages = {
            "required": f"Enter the {name[:1].lower()}{name[1:]}",
            "invalid": f"{name} must be a real date",
            "incomplete": f"{name} must include a {{missing}}",
            "invalid_time": "Enter the time in hours and minutes, for example 17:00",
            "year_digits": "Year must include 4 numbers",
            **given,
        }

    def _date(self, day, month, year) -> dt.date | None:
        given = {
            part: entry not in (None, "")
            for part, entry in zip(self.parts, (day, month, year), strict=True)
        }
        if not any(given.values()):
            return None
        if not all(given.values()):
            missing = " and a ".join(part for part, there in given.items() if not there)
            raise ValidationError(
                self.error_messages["incomplete"].format(missing=missing), code="incomplete"
            )
        year = str(year).strip()
        if year.isdigit() and len(year) != 4:
            # Else "21" would be the year 21, not 2021.
            raise ValidationError(self.error_messages["year_digits"], code="year_digits")
        try:
            return dt.date(int(year), int(month), int(day))
        except (TypeError, ValueError, OverflowError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def to_python(self, value):
        return self._date(*(list(value or []) + [None] * 3)[:3])


class DeadlineField(DatePartsField):
    """A deadline typed into the GOV.UK date input and a time box, in UK time. No time given means
    noon, as the planning guidance sets deadlines."""

    widget = DateTimePartsWidget

    def to_python(self, value):
        day, month, year, clock = (list(value or []) + [None] * 4)[:4]
        date = self._date(day, month, year)
        if date is None:
            return None
        try:
            hour, minute = (
                int(part) for part in (clock or "12:00").strip().replace(".", ":").split(":")
            )
            time = dt.time(hour, minute)
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid_time"], code="invalid_time"
            ) from None
        return timezone.make_aware(dt.datetime.combine(date, time))
