from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.permissions import permission_or_404

from .forms import BaselinesImportForm
from .selectors import baselines_summary
from .services import national_baselines_import_csv


@permission_or_404("planning.manage_rounds")
def baselines_import(request: HttpRequest) -> HttpResponse:
    """National admins load each system's 2019/20 ERF baselines; templates show them locked."""
    form = BaselinesImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = national_baselines_import_csv(
                stream=form.cleaned_data["file"], user=request.user, request=request
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if not result.errors:
                messages.success(
                    request,
                    f"Baselines loaded: {result.created} added, {result.updated} changed, "
                    f"{result.unchanged} already held.",
                )
                return redirect("erf:baselines_import")
            errors = result.errors[:50]
            form.add_error("file", "Nothing was loaded: fix the rows listed below and try again.")
    return render(
        request,
        "erf/baselines_import.html",
        {"form": form, "row_errors": errors, "summary": baselines_summary()},
    )
