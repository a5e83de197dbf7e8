from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin
from planning.models import Region

from .models import GuidanceKind


class GuidanceItemForm(NHSFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=GuidanceKind.choices, label="What are you publishing?", widget=forms.RadioSelect
    )
    title = forms.CharField(
        max_length=200,
        help_text="A notice's headline, a document's name, the measure's name or the question.",
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Text",
        help_text="The notice, a summary of the document, the definition or the answer.",
    )
    measure_code = forms.CharField(
        max_length=30,
        required=False,
        label="Measure code (technical definitions only)",
        help_text="As in the template, for example E.M.10a.",
    )
    file = forms.FileField(
        required=False,
        label="Document (documents only)",
        help_text="PDF, Word, Excel or PowerPoint.",
    )


class RegionalContactForm(NHSFormMixin, forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.all(), empty_label=None)
    email = forms.EmailField(label="Planning contact email address")
