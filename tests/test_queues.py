"""config/queues.py: validation has a queue of its own; everything else goes elsewhere."""

from __future__ import annotations

import pytest

from config import queues
from config.celery import app


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("submissions.tasks.validate_version", queues.VALIDATION),
        ("submissions.tasks.sweep_stuck_versions", queues.VALIDATION),
        ("notifications.tasks.send_notification_emails", queues.NOTIFICATIONS),
        ("notifications.tasks.send_unsent_notification_emails", queues.NOTIFICATIONS),
        ("submissions.tasks.send_deadline_reminders", queues.REMINDERS),
        ("submissions.tasks.send_reviewer_digests", queues.REMINDERS),
        ("notifications.tasks.send_reminder_emails", queues.REMINDERS),
        ("submissions.tasks.refresh_erf_estimates", queues.EXPORTS),
        ("submissions.tasks.sweep_stuck_erf_refreshes", queues.EXPORTS),
        ("exports.tasks.build_export", queues.EXPORTS),
        ("exports.tasks.sweep_stuck_exports", queues.EXPORTS),
        ("triangulation.tasks.run_triangulation", queues.TRIANGULATION),
        ("triangulation.tasks.sweep_owed_triangulation", queues.TRIANGULATION),
    ],
)
def test_task_routes_put_each_task_on_its_queue(task_name, queue):
    assert _queue_of(task_name) == queue


def test_task_routes_leave_the_validation_queue_to_validation_alone():
    app.loader.import_default_modules()
    others = [
        name
        for name in app.tasks
        if not name.startswith(("celery.", "submissions.")) and _queue_of(name) == queues.VALIDATION
    ]
    assert others == []
    assert queues.VALIDATION not in queues.OTHER_QUEUES
    assert set(queues.ALL_QUEUES) == {*queues.OTHER_QUEUES, queues.VALIDATION}
