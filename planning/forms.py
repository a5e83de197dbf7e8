from __future__ import annotations

from django import forms

from core.forms import DeadlineField, NHSFormMixin
from workbooks.definition import MAX_DEFINITION_BYTES

from .models import Collection, FileFormat, OrganisationType, PlanningRound, TrustKind


class RoundCopyForm(NHSFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text='For example "2022/23".')
    shift_days = forms.IntegerField(
        label="Move every date by this many days",
        initial=364,
        min_value=-3660,
        max_value=3660,
        help_text="364 keeps deadlines on the same weekday a year later.",
    )

    def __init__(self, *args, rolls_definition: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if rolls_definition:
            # A round with a definition moves a year on as a whole: dates, periods and labels.
            del self.fields["shift_days"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if PlanningRound.objects.filter(name=name).exists():
            raise forms.ValidationError("A round with this name already exists.")
        return name


class CollectionForm(NHSFormMixin, forms.ModelForm):
    submitted_by = forms.MultipleChoiceField(
        choices=OrganisationType.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Who submits it",
    )
    trust_kinds = forms.MultipleChoiceField(
        choices=TrustKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Kinds of trust that submit it",
        help_text="Leave empty for every kind of trust.",
    )
    accepted_formats = forms.MultipleChoiceField(
        choices=FileFormat.choices,
        widget=forms.CheckboxSelectMultiple,
        label="File formats accepted",
    )
    deadline = DeadlineField(
        label="Deadline",
        help_text="For example, 6 5 2021 and 17:00. UK time; without a time, the deadline is noon.",
    )

    class Meta:
        model = Collection
        fields = [
            "name",
            "deadline",
            "submitted_by",
            "trust_kinds",
            "accepted_formats",
            "closes_at_deadline",
            "is_mandatory",
            "lead_ccg_may_submit",
            "description",
        ]
        labels = {
            "closes_at_deadline": "Closes at the deadline",
            "is_mandatory": "Every organisation listed must submit it",
            "lead_ccg_may_submit": "A system's lead CCG may submit it for the system",
        }


class SignOffDelegationForm(NHSFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why should the system sign off your returns?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="For example, the board's decision and its date. Everyone at the system and "
        "your organisation can read this.",
    )


class DefinitionForm(NHSFormMixin, forms.Form):
    """A round definition as a file or as text; the file wins when both are given."""

    file = forms.FileField(
        required=False,
        label="Upload the definition file",
        help_text="A YAML file (.yaml or .yml) in the round definition format, up to 2 MB.",
    )
    text = forms.CharField(
        required=False,
        label="Or edit the definition here",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "portal-code"}),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_DEFINITION_BYTES:
                raise forms.ValidationError(
                    {"file": "The file is larger than 2 MB; a round definition is far smaller."}
                )
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    {"file": "The file is not UTF-8 text. Save it as UTF-8 and upload it again."}
                ) from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(
                {"file": "Choose the definition file, or paste the definition into the box."}
            )
        return data


class DefinitionFixForm(forms.Form):
    """What organisations are told when an edited definition issues a new template version."""

    note = forms.CharField(
        required=False,
        label="What changed",
        widget=forms.Textarea(attrs={"rows": 3, "class": "nhsuk-textarea"}),
        help_text="Sent to every organisation that owes a return whose template has a new version.",
    )
    keep_earlier = forms.BooleanField(
        required=False,
        label="Returns made from earlier template versions are still accepted",
        widget=forms.CheckboxInput(attrs={"class": "nhsuk-checkboxes__input"}),
    )
