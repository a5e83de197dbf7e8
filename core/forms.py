from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

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
