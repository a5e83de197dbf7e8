from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin


class BaselinesImportForm(NHSFormMixin, forms.Form):
    file = forms.FileField(
        label="Baselines file (CSV)",
        help_text="One row per system and month, with the columns ods_code, month and "
        "baseline_value: for example QHM, 2019-04, 30150000.",
    )
