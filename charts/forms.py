from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin


class ChartFilterForm(NHSFormMixin, forms.Form):
    """Shown to choose what a chart adds up; read back by the view from the query string."""

    round = forms.ChoiceField(label="Planning round")
    collection = forms.ChoiceField(label="Return and stage")
    region = forms.ChoiceField(label="Region", required=False)
    system = forms.ChoiceField(
        label="System",
        required=False,
        help_text="Choosing a system shows that system only, whatever the region.",
    )

    def __init__(self, *args, rounds, collections, regions, systems, national: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [(r.pk, r.name) for r in rounds]
        self.fields["collection"].choices = [(c.pk, c.title) for c in collections]
        if regions:
            self.fields["region"].choices = [
                ("", "England" if national else "All your regions"),
                *((r.code, r.name) for r in regions),
            ]
        else:
            # A system lead sees their own system only: there is no region to choose.
            del self.fields["region"]
        self.fields["system"].choices = [
            ("", "All systems in the region chosen"),
            *((s.ods_code, f"{s.name} ({s.ods_code})") for s in systems),
        ]
