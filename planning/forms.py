from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin

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
    make_current = forms.BooleanField(
        required=False, label="Make this the current round that organisations see"
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if PlanningRound.objects.filter(name=name).exists():
            raise forms.ValidationError("A round with this name already exists.")
        return name


class CollectionForm(NHSFormMixin, forms.ModelForm):
    submitted_by = forms.MultipleChoiceField(
        choices=OrganisationType.choices, widget=forms.CheckboxSelectMultiple, label="Submitted by"
    )
    trust_kinds = forms.MultipleChoiceField(
        choices=TrustKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave empty for every kind of trust.",
    )
    accepted_formats = forms.MultipleChoiceField(
        choices=FileFormat.choices, widget=forms.CheckboxSelectMultiple
    )
    deadline = forms.DateTimeField(
        help_text="UK time, for example 2021-05-06 12:00.",
        input_formats=["%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(format="%Y-%m-%d %H:%M"),
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


class SignOffDelegationForm(NHSFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why should the system sign off your returns?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="For example, the board's decision and its date. Everyone at the system and "
        "your organisation can read this.",
    )
