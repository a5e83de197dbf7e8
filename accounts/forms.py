from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError

from core.forms import NHSFormMixin
from planning.models import Organisation, Region

from .models import ORGANISATION_ROLES, Role


class LoginForm(NHSFormMixin, AuthenticationForm):
    error_messages = {
        # One message for a wrong username and a wrong password, so neither is revealed.
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is disabled. Ask a national admin to restore it.",
    }


class PortalPasswordResetForm(NHSFormMixin, PasswordResetForm):
    pass


class PortalSetPasswordForm(NHSFormMixin, SetPasswordForm):
    pass


class InvitationForm(NHSFormMixin, forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text="For a submitter, signatory or system lead.",
    )
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(), required=False, help_text="For a regional reviewer."
    )

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in ORGANISATION_ROLES and not data.get("organisation"):
            self.add_error("organisation", "Choose the organisation this person will work for.")
        if role == Role.REGIONAL_REVIEWER and not data.get("region"):
            self.add_error("region", "Choose the region this person will review.")
        if role == Role.SYSTEM_LEAD and data.get("organisation") and not data["organisation"].is_ics:
            self.add_error("organisation", "A system lead leads an ICS: choose an ICS.")
        if role in ORGANISATION_ROLES:
            data["region"] = None
        elif role == Role.REGIONAL_REVIEWER:
            data["organisation"] = None
        else:
            data["organisation"] = data["region"] = None
        return data


class InvitationAcceptForm(NHSFormMixin, forms.Form):
    username = forms.CharField(max_length=150, help_text="You will use this to log in.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, help_text="At least 12 characters.")
    password2 = forms.CharField(label="Confirm password", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise ValidationError("The two passwords do not match.")
        return data
