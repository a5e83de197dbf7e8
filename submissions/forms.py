from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        error_messages={"required": "Select the completed file to upload."},
    )


class SubmitForm(forms.Form):
    """Built per version: one explanation field per warning, then the declaration."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    declaration = forms.BooleanField(
        required=False,
        label="I confirm the sign-off declaration above on behalf of the organisation",
    )

    def __init__(self, *args, warnings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.warning_fields = []
        for finding in warnings:
            name = f"explanation_{finding.pk}"
            self.fields[name] = forms.CharField(
                required=False, widget=forms.Textarea(attrs={"rows": 2}), label=finding.message
            )
            self.warning_fields.append((finding, name))

    def explanations(self) -> dict[int, str]:
        return {
            finding.pk: self.cleaned_data.get(name, "") for finding, name in self.warning_fields
        }


class TemplateVersionIssueForm(NHSFormMixin, forms.Form):
    version = forms.ChoiceField(label="Template version to issue")
    still_accepted = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Older versions still accepted",
        help_text="Returns made from a version not ticked here are refused with a message naming the accepted ones.",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What changed",
        help_text="Shown to people downloading the template.",
    )

    def __init__(self, *args, available: list[str], issued: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [(v, v) for v in available]
        self.fields["still_accepted"].choices = [(v, v) for v in issued]
