from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin


class LondonDeadlineField(forms.DateTimeField):
    """A deadline typed as UK time; a date alone means noon, as the planning guidance sets them."""

    input_formats = ["%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d", "%d/%m/%Y"]

    def to_python(self, value):
        value = (value or "").strip() if isinstance(value, str) else value
        result = super().to_python(value)
        if result is not None and isinstance(value, str) and ":" not in value:
            result = result.replace(hour=12, minute=0)
        return result


class ExtensionRequestForm(NHSFormMixin, forms.Form):
    deadline = LondonDeadlineField(
        label="New deadline",
        help_text="UK time, for example 2021-05-13 12:00. A date alone means noon.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Why you need more time"
    )


class ExtensionDecisionForm(NHSFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("grant", "Grant"), ("refuse", "Refuse")], widget=forms.RadioSelect
    )
    deadline = LondonDeadlineField(
        required=False,
        label="Deadline if granted",
        help_text="Leave empty to grant the date asked for, or give an earlier one.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Reason",
        help_text="Needed when you refuse.",
    )


class DeadlineChangeForm(NHSFormMixin, forms.Form):
    deadline = LondonDeadlineField(
        label="Deadline for this organisation",
        help_text="UK time. The collection's own deadline removes the extension.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")
