from __future__ import annotations

import datetime as dt

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.permissions import permission_or_404

from . import forms
from .models import User
from .selectors import (
    delegable_assignments,
    delegation_get_given_by,
    delegations_given_by,
    delegations_received_by,
)
from .services import (
    PasswordResetAllowance,
    delegation_colleagues,
    delegation_create,
    delegation_revoke,
    invitation_accept,
    invitation_create,
    invitation_get_valid,
    password_reset_allowance,
)


class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PortalPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        allowance = password_reset_allowance(
            email=form.cleaned_data["email"], ip_address=get_client_ip_address(self.request)
        )
        if allowance is PasswordResetAllowance.REFUSE:
            return render(self.request, "accounts/password_reset_refused.html", status=429)
        if allowance is PasswordResetAllowance.QUIET:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.PortalSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@permission_or_404("accounts.manage_people")
def invite(request: HttpRequest) -> HttpResponse:
    form = forms.InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = invitation_create(invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("accounts:invite")
    return render(request, "accounts/invite.html", {"form": form})


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_valid(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=410)
    form = forms.InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Your account is ready.")
            return redirect("shell:home")
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )


def _london_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    """Hand a role to a colleague for a period, and see the cover given and received."""
    assignments = delegable_assignments(user=request.user)
    colleagues = User.objects.none()
    for assignment in assignments:
        colleagues = colleagues | delegation_colleagues(assignment=assignment)
    form = forms.DelegationForm(
        request.POST or None, assignments=assignments, colleagues=colleagues.distinct()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delegation_create(
                assignment=data["assignment"],
                to_user=data["to_user"],
                starts_at=max(_london_midnight(data["starts_on"]), timezone.now()),
                ends_at=_london_midnight(data["ends_on"] + dt.timedelta(days=1)),
                reason=data["reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{data['to_user']} covers your role until {data['ends_on']:%d %B %Y}."
            )
            return redirect("accounts:delegations")
    context = {
        "form": form,
        "can_delegate": assignments.exists(),
        "given": delegations_given_by(user=request.user),
        "received": delegations_received_by(user=request.user),
        "now": timezone.now(),
    }
    return render(request, "accounts/delegations.html", context)


@require_POST
@login_required
def delegation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = delegation_get_given_by(user=request.user, pk=pk)
    delegation_revoke(delegation=delegation, user=request.user, request=request)
    messages.success(request, "The cover has ended.")
    return redirect("accounts:delegations")
