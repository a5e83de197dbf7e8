"""Credentials end with the password or the account that backed them.

Passwords change in several places Django owns (the reset link, Django admin's password form, the
`changepassword` command) and accounts are disabled in Django admin, so the model's save signals are
the one hook that sees every one of them."""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import User
from .services import api_tokens_revoke

_REASON_ATTR = "_credentials_revoke_reason"


@receiver(pre_save, sender=User, dispatch_uid="accounts_credentials_changing")
def _credentials_changing(sender, instance: User, update_fields=None, **kwargs):
    reason = ""
    # Set by set_password() and cleared by Django itself for hash upgrades at sign-in.
    if instance._password is not None:
        reason = "The password was changed."
    elif (
        instance.pk is not None
        and not instance.is_active
        and (update_fields is None or "is_active" in update_fields)
        and User.objects.filter(pk=instance.pk, is_active=True).exists()
    ):
        reason = "The account was disabled."
    setattr(instance, _REASON_ATTR, reason)


@receiver(post_save, sender=User, dispatch_uid="accounts_credentials_changed")
def _credentials_changed(sender, instance: User, created: bool, **kwargs):
    reason = getattr(instance, _REASON_ATTR, "")
    if reason and not created:
        api_tokens_revoke(user=instance, reason=reason)
