from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin
from planning.models import Collection, PlanningRound, Region

from .models import ExportKind


class ExportRequestForm(NHSFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What to export", choices=ExportKind.choices, widget=forms.RadioSelect
    )
    planning_round = forms.ModelChoiceField(
        label="Planning round", queryset=PlanningRound.objects.none(), empty_label=None
    )
    collection = forms.ModelChoiceField(
        label="Return to consolidate",
        queryset=Collection.objects.none(),
        required=False,
        help_text="Needed for a consolidation; a zip holds every return of the round.",
    )
    region = forms.ModelChoiceField(label="Region", queryset=Region.objects.none(), required=False)

    def __init__(self, *args, rounds, collections, regions, national: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planning_round"].queryset = rounds
        self.fields["collection"].queryset = collections
        self.fields["collection"].label_from_instance = lambda c: (
            f"{c.planning_round.name} · {c.title}"
        )
        self.fields["region"].queryset = regions
        if national:
            self.fields["region"].empty_label = "England (every region)"
        else:
            # A reviewer exports a region they review: there is no national choice to offer.
            self.fields["region"].required = True
            self.fields["region"].empty_label = None
