from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.client_address import client_ip
from core.forms import add_service_errors
from core.permissions import permission_or_404

from . import forms
from .models import User
from .selectors import (
    api_tokens_of,
    delegable_assignments,
    delegation_get_given_by,
    delegations_given_by,
    delegations_received_by,
)
from .services import (
    PasswordResetAllowance,
    api_tokens_revoke,
    delegation_colleagues,
    delegation_create,
    delegation_revoke,
    invitation_accept,
    invitation_accept_signed_in,
    invitation_account,
    invitation_create,
    invitation_get_valid,
    password_reset_allowance,
    password_reset_completed,
    password_reset_requested,
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
            email=form.cleaned_data["email"], ip_address=client_ip(self.request)
        )
        if allowance is PasswordResetAllowance.REFUSE:
            return render(self.request, "accounts/password_reset_refused.html", status=429)
        if allowance is PasswordResetAllowance.QUIET:
            return HttpResponseRedirect(self.get_success_url())
        password_reset_requested(email=form.cleaned_data["email"], request=self.request)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.PortalSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_reset_completed(user=form.user, request=self.request)
        return response


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
    if invitation_account(invitation=invitation) is not None:
        return _invitation_accept_existing(request, token=token, invitation=invitation)
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


def _invitation_accept_existing(request: HttpRequest, *, token: str, invitation) -> HttpResponse:
    """An invitation to an email address that has an account: its owner signs in and accepts."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    error = None
    if request.method == "POST":
        try:
            invitation_accept_signed_in(token=token, user=request.user)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, f"You are now {invitation.get_role_display().lower()}.")
            return redirect("shell:home")
    elif request.user.email.casefold() != invitation.email.casefold():
        error = (
            "This invitation was sent to another email address. Sign out and sign in as the "
            "person it was sent to."
        )
    return render(
        request,
        "accounts/invitation_accept_signed_in.html",
        {"invitation": invitation, "error": error},
        status=403 if error else 200,
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
            colleague, last_day = data["to_user"], data["ends_on"]
            messages.success(
                request,
                f"{colleague.get_full_name() or colleague.username} covers your role until "
                f"{last_day.day} {last_day:%B %Y}.",
            )
            return redirect("accounts:delegations")
    context = {
        "form": form,
        "can_delegate": assignments.exists(),
        "given": delegations_given_by(user=request.user),
        "received": delegations_received_by(user=request.user),
        "now": timezone.now(),
    }
    return render(
        request, "accounts/delegations.html", context, status=400 if form.is_bound else 200
    )


@require_POST
@login_required
def delegation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = delegation_get_given_by(user=request.user, pk=pk)
    delegation_revoke(delegation=delegation, user=request.user, request=request)
    messages.success(request, "The cover has ended.")
    return redirect("accounts:delegations")


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The API tokens the person holds, each revocable."""
    context = {"tokens": api_tokens_of(user=request.user), "ttl_days": settings.API_TOKEN_TTL_DAYS}
    return render(request, "accounts/api_tokens.html", context)


@require_POST
@login_required
def api_token_revoke_view(request: HttpRequest, key: str) -> HttpResponse:
    if not api_tokens_revoke(
        user=request.user, token_key=key, actor=request.user, reason="Revoked by its owner."
    ):
        raise Http404
    messages.success(request, "The token has been revoked. Scripts using it will stop working.")
    return redirect("accounts:api_tokens")
