from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.permissions import permission_or_404
from submissions.erf_estimates import erf_baselines_import

from .forms import BaselinesImportForm
from .selectors import baselines_summary, estimate_refresh_pending
from .services import BaselinesImport


@permission_or_404("planning.manage_rounds")
def baselines_import(request: HttpRequest) -> HttpResponse:
    """National admins load each system's 2019/20 ERF baselines; templates show them locked."""
    form = BaselinesImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = erf_baselines_import(
                stream=form.cleaned_data["file"], user=request.user, request=request
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if not result.errors:
                messages.success(request, _loaded_message(result))
                return redirect("erf:baselines_import")
            errors = result.errors[:50]
            form.add_error("file", "Nothing was loaded: fix the rows listed below and try again.")
    return render(
        request,
        "erf/baselines_import.html",
        {
            "form": form,
            "row_errors": errors,
            "summary": baselines_summary(),
            "refreshing": estimate_refresh_pending(),
        },
    )


def _loaded_message(result: BaselinesImport) -> str:
    count = result.returns_to_update
    updates = (
        f"The ERF estimates of {count} return{'s' if count != 1 else ''} will be updated with them "
        "in the next few minutes."
        if count
        else "No uploaded return's ERF estimate uses them, so none changes."
    )
    return (
        f"Baselines loaded: {result.created} added, {result.updated} changed, "
        f"{result.unchanged} already held. {updates}"
    )
