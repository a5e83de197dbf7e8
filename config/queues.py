"""The Celery queues and which work goes on each (ADR 0022).

Validation has a queue of its own, served by worker processes of its own, so that an upload's
result never waits behind thousands of reminder emails, a national export or the checks across
returns. Plain data with no Django import: the settings route tasks from it, and `make run`, the
load runs and the tests start workers from it.
"""

from __future__ import annotations

VALIDATION = "validation"
NOTIFICATIONS = "notifications"
REMINDERS = "reminders"
EXPORTS = "exports"
TRIANGULATION = "triangulation"
# Tasks no route names (none today) go here, so a worker of the other queues still runs them.
DEFAULT = "celery"

# Exact names first (Celery tries them before the patterns), then whole apps by pattern.
TASK_ROUTES = {
    "submissions.tasks.send_deadline_reminders": {"queue": REMINDERS},
    "submissions.tasks.send_reviewer_digests": {"queue": REMINDERS},
    "notifications.tasks.send_reminder_emails": {"queue": REMINDERS},
    # Re-reading stored returns in bulk after a national admin loads ERF baselines: batch work like
    # an export, which must never hold up an upload's result on the validation queue.
    "submissions.tasks.refresh_erf_estimates": {"queue": EXPORTS},
    "submissions.tasks.sweep_stuck_erf_refreshes": {"queue": EXPORTS},
    "submissions.tasks.*": {"queue": VALIDATION},
    "notifications.tasks.*": {"queue": NOTIFICATIONS},
    "exports.tasks.*": {"queue": EXPORTS},
    "triangulation.tasks.*": {"queue": TRIANGULATION},
}

# What a worker that is not a validation worker consumes: everything else.
OTHER_QUEUES = (NOTIFICATIONS, REMINDERS, EXPORTS, TRIANGULATION, DEFAULT)
ALL_QUEUES = (VALIDATION, *OTHER_QUEUES)
