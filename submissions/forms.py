from __future__ import annotations

from django import forms


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
        return {finding.pk: self.cleaned_data.get(name, "") for finding, name in self.warning_fields}
