from __future__ import annotations

from django import forms

from core.forms import DeadlineField, NHSFormMixin


class ExtensionRequestForm(NHSFormMixin, forms.Form):
    deadline = DeadlineField(
        label="New deadline",
        help_text="For example, 13 5 2021. UK time; without a time, the deadline is noon.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Why you need more time"
    )


class ExtensionDecisionForm(NHSFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("grant", "Grant"), ("refuse", "Refuse")], widget=forms.RadioSelect
    )
    deadline = DeadlineField(
        required=False,
        label="Deadline if granted",
        help_text="Leave empty to grant the date asked for, or give an earlier one. Without a "
        "time, the deadline is noon.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Reason",
        help_text="Needed when you refuse.",
    )


class DeadlineChangeForm(NHSFormMixin, forms.Form):
    deadline = DeadlineField(
        label="Deadline for this organisation",
        help_text="For example, 13 5 2021. UK time; without a time, the deadline is noon. The "
        "collection's own deadline removes the extension.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")
