from __future__ import annotations

from django import forms

from core.forms import NHSFormMixin


class DashboardFilterForm(NHSFormMixin, forms.Form):
    """The dashboard's filters: plain GET parameters, so the form works without JavaScript."""

    region = forms.ChoiceField(label="Region", required=False)
    collection = forms.TypedChoiceField(
        label="Return", required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        help_text="Shows the organisations with at least one return in this status.",
    )

    def __init__(
        self,
        *args,
        regions: list[tuple[str, str]],
        collections: list[tuple[int, str]],
        statuses: list[tuple[str, str]],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any"), *statuses]
        self.fields["region"].choices = [
            ("", "All your regions" if len(regions) > 1 else "All"),
            *regions,
        ]
        self.fields["collection"].choices = [("", "All"), *collections]
        # A link from an old page can name a region or return no longer offered: say what to do.
        for name, what in (
            ("region", "a region"),
            ("collection", "a return of this round"),
            ("status", "a status"),
        ):
            self.fields[name].error_messages["invalid_choice"] = (
                f"Choose {what} from the list; until you do, the table shows them all."
            )
