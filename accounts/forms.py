from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from core.forms import DatePartsField, NHSFormMixin
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
        if (
            role == Role.SYSTEM_LEAD
            and data.get("organisation")
            and not data["organisation"].is_ics
        ):
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
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput, help_text="At least 12 characters."
    )
    password2 = forms.CharField(label="Confirm password", widget=forms.PasswordInput)

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        validate_password(password)
        return password

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise ValidationError("The two passwords do not match.")
        return data


class DelegationForm(NHSFormMixin, forms.Form):
    assignment = forms.ModelChoiceField(queryset=None, label="Role to hand on", empty_label=None)
    to_user = forms.ModelChoiceField(
        queryset=None,
        label="Colleague who covers it",
        help_text="Someone who already works for the same organisation or region.",
    )
    starts_on = DatePartsField(label="First day of cover", help_text="For example, 3 5 2021.")
    ends_on = DatePartsField(label="Last day of cover", help_text="For example, 14 5 2021.")
    reason = forms.CharField(label="Reason", help_text="For example annual leave.", max_length=500)

    def __init__(self, *args, assignments, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = assignments
        self.fields["assignment"].label_from_instance = (
            lambda a: f"{a.get_role_display()}, {a.scope_name}"
        )
        self.fields["to_user"].queryset = colleagues
        self.fields["to_user"].label_from_instance = (
            lambda u: f"{u.get_full_name() or u.username} ({u.username})"
        )

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The last day of cover must be on or after the first.")
        return data
