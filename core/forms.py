from __future__ import annotations

from django import forms

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
            described_by = []
            if field.help_text:
                described_by.append(f"{self.add_prefix(name)}-hint")
            if self.is_bound and self.errors.get(name):
                described_by.append(f"{self.add_prefix(name)}-error")
                if not isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                    widget.attrs["class"] += f" {widget.attrs['class'].split()[0]}--error"
            if described_by:
                widget.attrs["aria-describedby"] = " ".join(described_by)
