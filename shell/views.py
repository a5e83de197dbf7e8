from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.selectors import user_scope
from planning.selectors import organisations_acted_for, regions_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to where their work is: their returns, their region, or the nation."""
    scope = user_scope(user=request.user)
    organisations = list(organisations_acted_for(user=request.user))
    regions = list(regions_visible_to(user=request.user)) if not scope.is_national_admin else []
    if len(organisations) == 1 and not regions and not scope.is_national_admin:
        return redirect("planning:organisation_returns", ods_code=organisations[0].ods_code)
    if len(regions) == 1 and not organisations:
        return redirect("planning:region_detail", code=regions[0].code)
    if scope.is_national_admin and not organisations:
        return redirect("planning:region_list")
    return render(request, "shell/home.html", {"organisations": organisations, "regions": regions})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
