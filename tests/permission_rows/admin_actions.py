"""Permission rows for every Django admin action: only staff reach them, and each asks before it
changes anything (reopening goes through the review service, with a reason). The usual principals
are not staff; STAFF_ADMIN is a national admin who is also a Django superuser."""

from __future__ import annotations

from django.apps import apps

from accounts.models import Role, User
from submissions.models import Submission
from tests.factories import user_with_role
from tests.permission_support import REDIRECT, Row, World, everyone

STAFF_ADMIN = "staff_admin"


def _staff_admin(world: World) -> User:
    user = user_with_role(Role.NATIONAL_ADMIN, username="staff-admin")
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return User.objects.get(pk=user.pk)


EXTRA_PRINCIPALS = {STAFF_ADMIN: _staff_admin}

# Every action Django admin offers a superuser, by model (a test checks the list is complete;
# tests/test_admin_entry_points.py shows each one on the portal's records leaves one audit event
# per record).
ADMIN_ACTIONS = {
    "auth.Group": ["delete_selected"],
    "axes.AccessAttempt": ["delete_selected", "cleanup_expired_attempts"],
    "axes.AccessLog": ["delete_selected"],
    "axes.AccessFailureLog": ["delete_selected"],
    "django_celery_beat.PeriodicTask": [
        "delete_selected",
        "enable_tasks",
        "disable_tasks",
        "toggle_tasks",
        "run_tasks",
    ],
    "django_celery_beat.ClockedSchedule": ["delete_selected"],
    "django_celery_beat.CrontabSchedule": ["delete_selected"],
    "django_celery_beat.SolarSchedule": ["delete_selected"],
    "django_celery_beat.IntervalSchedule": ["delete_selected"],
    "accounts.RoleAssignment": ["delete_selected"],
    "knox.AuthToken": ["delete_selected"],
    "planning.PlanningRound": ["make_current"],
    "planning.SignOffDelegation": ["revoke"],
    "extensions.DeadlineExtension": ["delete_selected"],
    "submissions.Submission": ["reopen"],
    "reviews.SubmittedReturn": ["approve"],
}


# Actions that act at once through their audited service and go back to the list.
ACTS_AT_ONCE = {("planning.PlanningRound", "make_current")}


def _changelist(label: str) -> str:
    app_label, model = label.split(".")
    return f"admin:{app_label}_{model.lower()}_changelist"


def _selection(label: str, action: str):
    def data(world: World) -> dict:
        if label == "submissions.Submission":
            Submission.objects.get_or_create(collection=world.collection, organisation=world.ics_a)
        pks = list(apps.get_model(label).objects.values_list("pk", flat=True)[:1])
        return {"action": action, "_selected_action": pks}

    return data


ROWS = [
    Row(
        _changelist(label),
        None,
        # Staff see the action's own page (a confirmation, or the reason to reopen) before anything
        # changes, or the list again where the world has nothing of that kind to select.
        {
            **everyone(REDIRECT),
            STAFF_ADMIN: REDIRECT if (label, action) in ACTS_AT_ONCE else 200,
        },
        method="post",
        data=_selection(label, action),
        label=action,
    )
    for label, actions in ADMIN_ACTIONS.items()
    for action in actions
]
