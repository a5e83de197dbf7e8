from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin

from .models import DecisionKind

DECISION_CHOICES = [
    (DecisionKind.APPROVE.value, "Approve"),
    (DecisionKind.REQUEST_CHANGES.value, "Request changes (back to the organisation)"),
    (DecisionKind.COMMENT.value, "Comment only (no change of status)"),
]
TEXTAREA = {"rows": 4}


def _id_or_none(value: str) -> int | None:
    # A tampered hidden id is answered as "not part of this return", not as a field error on a
    # hidden input.
    return int(value) if value and value.isdigit() else None


class DecisionForm(NHSFormMixin, forms.Form):
    version = forms.CharField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Your decision",
        choices=DECISION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve, request changes or comment."},
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Required when you request changes: the organisation sees it.",
    )

    def clean_version(self) -> int | None:
        return _id_or_none(self.cleaned_data["version"])


class ReopenForm(NHSFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why reopen this return?",
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": "Say why the return is reopened."},
        help_text="The organisation sees this reason.",
    )


class CommentForm(NHSFormMixin, forms.Form):
    text = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": "Write the comment."},
    )
    sheet = forms.CharField(
        label="Sheet (optional)",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20"}),
    )
    cell = forms.CharField(
        label="Cell (optional)",
        required=False,
        max_length=20,
        help_text="For example F12.",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10"}),
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)
    parent = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_version(self) -> int | None:
        return _id_or_none(self.cleaned_data["version"])

    def clean_parent(self) -> int | None:
        return _id_or_none(self.cleaned_data["parent"])

    def __init__(self, *args, **kwargs):
        # Shares a page with the decision form; distinct ids keep labels pointing at the right
        # field.
        kwargs.setdefault("auto_id", "comment_%s")
        super().__init__(*args, **kwargs)
