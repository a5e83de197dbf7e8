from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        error_messages={"required": "Select the completed file to upload."},
    )


class ExplanationsForm(NHSFormMixin, forms.Form):
    """One explanation box per group of warnings, filled with the one given before if any."""

    def __init__(self, *args, groups=(), min_length: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = list(groups)
        for index, group in enumerate(self.groups):
            values = "these values are" if len(group.findings) > 1 else "this value is"
            self.fields[self.field_name(index)] = forms.CharField(
                label=group.title,
                min_length=min_length,
                initial=group.earlier_explanation,
                widget=forms.Textarea(
                    attrs={
                        "rows": 3,
                        "class": "nhsuk-textarea",
                        "aria-describedby": f"{self.field_name(index)}-hint",
                    }
                ),
                error_messages={
                    "required": f"Explain why {values} right: {group.title.lower()}",
                    "min_length": f"Explain in a sentence why {values} right: "
                    f"{group.title.lower()}",
                },
            )

    @staticmethod
    def field_name(index: int) -> str:
        return f"explain_{index}"

    def boxes(self):
        """Each group with its bound field, in order, for the template."""
        return [(group, self[self.field_name(index)]) for index, group in enumerate(self.groups)]

    def texts(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[name].strip()
            for name in (self.field_name(i) for i in range(len(self.groups)))
        }


class CheckAnswersForm(NHSFormMixin, forms.Form):
    declaration = forms.BooleanField(
        label="I agree to the declaration on behalf of the organisation",
        error_messages={"required": "Agree to the declaration to submit the return."},
    )


class TemplateVersionIssueForm(NHSFormMixin, forms.Form):
    version = forms.ChoiceField(label="Template version to issue")
    still_accepted = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Older versions still accepted",
        help_text="Returns made from a version not ticked here are refused with a message naming "
        "the accepted ones.",
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
