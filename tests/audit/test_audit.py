"""The audit trail (append-only, every action, refused access, history, search,
export)."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.services import invitation_accept, invitation_create, role_assign
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from extensions.services import deadline_extension_grant
from submissions.services import submission_submit, template_version_issue, version_create
from submissions.validation import version_validate
from tests.factories import PASSWORD, UserFactory, london, user_with_role


def _upload(act_world, data: bytes, *, name: str = "plan.xlsx"):
    return version_create(
        submission=act_world.submission, user=act_world.lead, stream=io.BytesIO(data), filename=name
    )


def _valid_version(act_world):
    outcome = _upload(act_world, act_world.sample())
    version_validate(version_id=outcome.version.pk)
    outcome.version.refresh_from_db()
    act_world.submission.refresh_from_db()
    return outcome.version


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# Append-only --------------------------------------------------------------------------------------


def test_audit_event_save_of_existing_row_is_refused(db):
    event = audit_record(action=AuditAction.LOGIN)
    event.detail = "changed"
    with pytest.raises(PermissionError):
        event.save()


def test_audit_event_delete_is_refused(db):
    event = audit_record(action=AuditAction.LOGIN)
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET detail = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_audit_event_raw_sql_change_is_refused_by_the_database(db, sql):
    event = audit_record(action=AuditAction.LOGIN)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, detail="").exists()


# Each action is recorded -------------------------------------------------------------------------


def test_login_success_and_failure_recorded(client, db):
    user = UserFactory(username="sam")
    client.post(
        reverse("accounts:login"),
        {"username": "sam", "password": "wrong-password"},
        REMOTE_ADDR="10.1.2.3",
    )
    client.post(
        reverse("accounts:login"), {"username": "sam", "password": PASSWORD}, REMOTE_ADDR="10.1.2.4"
    )

    (failed,) = _events(AuditAction.LOGIN_FAILED)
    (login,) = _events(AuditAction.LOGIN)
    assert (failed.actor, failed.ip_address, failed.detail) == (
        None,
        "10.1.2.3",
        "Username tried: sam",
    )
    assert "wrong-password" not in str(failed.__dict__)
    assert (login.actor, login.actor_name, login.ip_address) == (user, "sam", "10.1.2.4")


def test_logout_recorded(client, db):
    user = UserFactory(username="sam")
    client.force_login(user)
    client.post(reverse("accounts:logout"))
    assert [event.actor for event in _events(AuditAction.LOGOUT)] == [user]


def test_upload_recorded_with_before_and_after(act_world):
    version = _upload(act_world, act_world.sample()).version
    (event,) = _events(AuditAction.UPLOAD)
    assert (
        event.actor,
        event.object_type,
        event.object_id,
        event.submission_id,
        event.organisation_code,
    ) == (act_world.lead, "submissions.Version", str(version.pk), act_world.submission.pk, "QHM")
    assert (event.before, event.after["status"], event.after["version"]) == (
        {"status": "not_started"},
        "uploaded",
        1,
    )


def test_rejected_upload_recorded(act_world):
    with pytest.raises(ValidationError):
        _upload(act_world, b"not a workbook", name="plan.xlsx")
    (event,) = _events(AuditAction.UPLOAD_REJECTED)
    assert (event.actor, event.submission_id) == (act_world.lead, act_world.submission.pk)
    assert event.detail.startswith("plan.xlsx: ")


def test_submission_recorded(act_world):
    version = _valid_version(act_world)
    with time_machine.travel(london(2021, 5, 5)):
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=True,
            explanations={f.pk: "Explained in one sentence." for f in version.findings.all()},
        )
    (event,) = _events(AuditAction.SUBMIT)
    assert (
        event.actor,
        event.submission_id,
        event.before,
        event.after["status"],
        event.after["is_late"],
    ) == (act_world.lead, act_world.submission.pk, {"status": "valid"}, "submitted", False)


def test_return_page_view_and_downloads_recorded_but_not_panel_polls(client, act_world):
    version = _valid_version(act_world)
    client.force_login(act_world.reviewer)
    client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))
    client.get(reverse("submissions:version_panel", kwargs={"pk": version.pk}))
    client.get(reverse("submissions:template", kwargs={"pk": act_world.submission.pk}))
    b"".join(
        client.get(reverse("submissions:version_file", kwargs={"pk": version.pk})).streaming_content
    )
    client.get(reverse("submissions:version_findings_csv", kwargs={"pk": version.pk}))
    client.get(reverse("submissions:version_highlighted", kwargs={"pk": version.pk}))

    views = _events(AuditAction.VIEW_RETURN)
    downloads = sorted(event.detail.split(" ")[0] for event in _events(AuditAction.DOWNLOAD))
    assert [(event.actor, event.submission_id) for event in views] == [
        (act_world.reviewer, act_world.submission.pk)
    ]
    assert downloads == ["Findings", "Highlighted", "Template", "Uploaded"]
    assert {event.actor for event in _events(AuditAction.DOWNLOAD)} == {act_world.reviewer}


def test_template_issue_invitation_role_and_extension_recorded(act_world):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    version = act_world.act.template_versions.get().version
    template_version_issue(
        collection=act_world.act, version=version, still_accepted=[], note="Fix", issued_by=admin
    )
    invitation, token = invitation_create(
        email="new@example.nhs.uk",
        role=Role.SUBMITTER,
        organisation=act_world.ics,
        invited_by=admin,
    )
    user = invitation_accept(token=token, username="newbie", password="A-long-enough-pass-1")
    deadline_extension_grant(
        collection=act_world.act,
        organisation=act_world.ics,
        deadline=london(2021, 5, 13),
        reason="Board moved",
        granted_by=admin,
    )

    assert [(e.actor, e.before) for e in _events(AuditAction.TEMPLATE_ISSUED)] == [
        (admin, {"accepted": [version]})
    ]
    (sent,) = _events(AuditAction.INVITATION_SENT)
    (accepted,) = _events(AuditAction.INVITATION_ACCEPTED)
    (granted,) = _events(AuditAction.ROLE_GRANTED)
    (extension,) = _events(AuditAction.EXTENSION_DECIDED)
    assert (sent.actor, sent.after["email"], sent.organisation_code) == (
        admin,
        "new@example.nhs.uk",
        "QHM",
    )
    assert (accepted.actor, accepted.object_id) == (user, str(invitation.pk))
    assert (granted.actor, granted.after["user"], granted.after["role"]) == (
        admin,
        "newbie",
        "submitter",
    )
    assert (extension.submission_id, extension.after["reason"]) == (
        act_world.submission.pk,
        "Board moved",
    )
    assert extension.before["deadline"] == london(2021, 5, 6).isoformat()


def test_role_assign_records_a_new_grant_only(db, act_world):
    user = UserFactory(username="pat")
    role_assign(user=user, role=Role.SUBMITTER, organisation=act_world.ics)
    role_assign(user=user, role=Role.SUBMITTER, organisation=act_world.ics)
    assert len(_events(AuditAction.ROLE_GRANTED)) == 1


# Refused access
# ------------------------------------------------------------------------------------


def test_hidden_return_refused_access_recorded_naming_the_user(client, act_world):
    client.force_login(act_world.outsider)
    response = client.get(
        reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}),
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 404
    (event,) = _events(AuditAction.ACCESS_REFUSED)
    assert (
        event.actor,
        event.actor_name,
        event.submission_id,
        event.organisation_code,
        event.ip_address,
    ) == (act_world.outsider, "lead-qmj", act_world.submission.pk, "QHM", "10.9.8.7")
    assert not _events(AuditAction.VIEW_RETURN)


def test_hidden_version_organisation_and_region_refusals_recorded(client, act_world):
    version = _upload(act_world, act_world.sample()).version
    client.force_login(act_world.outsider)
    client.get(reverse("submissions:version_detail", kwargs={"pk": version.pk}))
    client.get(reverse("planning:organisation_returns", kwargs={"ods_code": "qhm"}))
    client.get(reverse("planning:region_detail", kwargs={"code": "Y63"}))
    client.get(reverse("api:submission_audit", kwargs={"pk": act_world.submission.pk}))
    refused = {
        (event.object_type, event.organisation_code)
        for event in _events(AuditAction.ACCESS_REFUSED)
    }
    assert refused == {
        ("submissions.Version", "QHM"),
        ("planning.Organisation", "QHM"),
        ("planning.Region", ""),
        ("submissions.Submission", "QHM"),
    }


def test_unknown_ids_record_no_refusal(client, act_world):
    client.force_login(act_world.outsider)
    assert client.get(reverse("submissions:detail", kwargs={"pk": 999999})).status_code == 404
    assert (
        client.get(reverse("submissions:version_detail", kwargs={"pk": 999999})).status_code == 404
    )
    assert (
        client.get(
            reverse("planning:organisation_returns", kwargs={"ods_code": "NOPE"})
        ).status_code
        == 404
    )
    assert not _events(AuditAction.ACCESS_REFUSED)


def test_admin_only_page_refused_recorded(client, act_world):
    client.force_login(act_world.lead)
    assert client.get(reverse("audit:search")).status_code == 404
    (event,) = _events(AuditAction.ACCESS_REFUSED)
    assert (event.actor, event.path, event.detail) == (
        act_world.lead,
        "/audit/",
        "Needs audit.view_trail",
    )


# History, search and export ----------------------------------------------------------------------


def test_submission_history_lists_the_returns_events_newest_first(client, act_world):
    _upload(act_world, act_world.sample())
    audit_record(
        action=AuditAction.COMMENT,
        submission_id=act_world.other_submission.pk,
        detail="other return",
    )
    client.force_login(act_world.reviewer)
    response = client.get(
        reverse("audit:submission_history", kwargs={"pk": act_world.submission.pk})
    )
    events = list(response.context["page"].object_list)
    assert [event.action for event in events] == [AuditAction.UPLOAD]
    assert "other return" not in response.content.decode()
    assert (
        reverse("audit:submission_history", kwargs={"pk": act_world.submission.pk})
        in client.get(
            reverse("submissions:detail", kwargs={"pk": act_world.submission.pk})
        ).content.decode()
    )


def test_submission_history_reads_as_sentences_without_page_views(client, act_world):
    version = _upload(act_world, act_world.sample()).version
    version_validate(version_id=version.pk)
    client.force_login(act_world.lead)
    client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))
    response = client.get(
        reverse("audit:submission_history", kwargs={"pk": act_world.submission.pk})
    )
    assert [sentence for _, sentence in response.context["entries"]] == [
        "Version 1 was checked: no errors (0 errors, 0 warnings).",
        f"{act_world.lead.get_full_name() or act_world.lead.username} uploaded version 1.",
    ]
    assert "{" not in response.content.decode().split("<h1>")[1]


def test_return_history_never_names_other_organisations_people_refused_access(client, act_world):
    client.force_login(act_world.outsider)
    client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))
    client.get(reverse("api:submission_detail", kwargs={"pk": act_world.submission.pk}))
    client.logout()
    client.force_login(act_world.lead)
    client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))

    page = client.get(reverse("audit:submission_history", kwargs={"pk": act_world.submission.pk}))
    api = client.get(reverse("api:submission_audit", kwargs={"pk": act_world.submission.pk}))

    outsider = act_world.outsider.get_username()
    assert outsider not in page.content.decode()
    assert outsider not in api.content.decode()
    # Page views are not history either: only what was done to the return.
    assert list(page.context["page"].object_list) == []


def test_security_log_shows_admins_the_refusals(client, act_world):
    client.force_login(act_world.outsider)
    client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))
    client.logout()
    client.post(reverse("accounts:login"), {"username": "lead-qhm", "password": "wrong"})
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, username="admin"))

    response = client.get(reverse("audit:security_log"))

    assert [(event.action, event.actor_name) for event in response.context["page"].object_list] == [
        (AuditAction.LOGIN_FAILED, ""),
        (AuditAction.ACCESS_REFUSED, "lead-qmj"),
    ]
    assert "lead-qmj" in response.content.decode()


def _many_events(act_world, n: int, action: str = AuditAction.DOWNLOAD) -> None:
    for i in range(n):
        audit_record(
            action=action,
            actor=act_world.lead,
            submission_id=act_world.submission.pk,
            organisation_code="QHM",
            detail=f"comment {i}",
        )


@pytest.mark.parametrize(
    "url_name", ["audit:submission_history", "audit:search", "audit:security_log"]
)
def test_audit_pages_queries_bounded_whatever_the_data_size(client, act_world, url_name):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    client.force_login(admin)
    url = reverse(
        url_name, kwargs={"pk": act_world.submission.pk} if url_name.endswith("history") else None
    )
    counts = []
    # Each page's own kind of event: a return's history leaves out downloads and page views.
    action = {
        "audit:security_log": AuditAction.ACCESS_REFUSED,
        "audit:submission_history": "review.comment",
    }.get(url_name, AuditAction.DOWNLOAD)
    for n in (3, 120):
        _many_events(act_world, n, action)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        counts.append(len([q for q in context.captured_queries if "INSERT" not in q["sql"]]))
    assert counts[0] == counts[1] <= 10


def test_audit_search_filters_by_actor_action_organisation_object_and_dates(client, act_world):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    with time_machine.travel(london(2021, 5, 1)):
        audit_record(action=AuditAction.LOGIN, actor=act_world.lead)
    with time_machine.travel(london(2021, 5, 3)):
        version = _upload(act_world, act_world.sample()).version
        audit_record(action=AuditAction.LOGIN, actor=act_world.outsider, organisation_code="QMJ")
    client.force_login(admin)

    def found(**query):
        return {
            (e.actor_name, e.action)
            for e in client.get(reverse("audit:search"), query).context["page"]
        }

    assert found(actor="lead-qhm") == {("lead-qhm", "login"), ("lead-qhm", "upload")}
    assert found(action="login", organisation="qmj") == {("lead-qmj", "login")}
    assert found(object=f"submissions.Version:{version.pk}") == {("lead-qhm", "upload")}
    assert found(
        since_day="2",
        since_month="5",
        since_year="2021",
        until_day="3",
        until_month="5",
        until_year="2021",
        action="login",
    ) == {("lead-qmj", "login")}
    assert found(until_day="1", until_month="5", until_year="2021") == {("lead-qhm", "login")}


def test_audit_search_shows_20_events_a_page_and_opens_the_search_only_when_used(client, db):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    for _ in range(25):
        audit_record(action=AuditAction.LOGIN, actor=admin)
    client.force_login(admin)

    first = client.get(reverse("audit:search"))
    searched = client.get(reverse("audit:search"), {"actor": "admin", "page": 2})

    # Twenty-five events and the sign-in.
    assert (len(first.context["page"]), len(searched.context["page"])) == (20, 6)
    assert '<details class="nhsuk-details">' in first.content.decode()
    assert '<details class="nhsuk-details" open>' in searched.content.decode()


def test_audit_export_streams_filtered_rows_neutralises_formulas_and_is_audited(client, act_world):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    audit_record(
        action=AuditAction.COMMENT,
        actor=act_world.lead,
        organisation_code="QHM",
        detail='=HYPERLINK("http://evil")',
    )
    audit_record(action=AuditAction.LOGIN, actor=act_world.outsider)
    client.force_login(admin)
    response = client.get(reverse("audit:export"), {"organisation": "QHM"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    assert response["Content-Disposition"].startswith("attachment")
    assert rows[0][:3] == ["occurred_at_utc", "actor", "action"]
    assert [(row[1], row[2], row[-1]) for row in rows[1:]] == [
        ("lead-qhm", "comment", '\'=HYPERLINK("http://evil")')
    ]
    assert rows[1][0].endswith("Z")
    (export,) = _events(AuditAction.EXPORT)
    assert (export.actor, export.detail) == (admin, "Filters: organisation=QHM")


def test_audit_admin_is_read_only(admin_client, db):
    event = audit_record(action=AuditAction.LOGIN)
    assert admin_client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code
        == 403
    )
    admin_client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"detail": "changed"}
    )
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


# API --------------------------------------------------------------------------------------------


def test_api_submission_audit_lists_events_for_those_who_see_the_return(client, act_world):
    _upload(act_world, act_world.sample())
    client.force_login(act_world.reviewer)
    response = client.get(reverse("api:submission_audit", kwargs={"pk": act_world.submission.pk}))
    assert response.status_code == 200
    assert [(row["actor"], row["action"]) for row in response.json()["results"]] == [
        ("lead-qhm", "upload")
    ]
    client.force_login(act_world.outsider)
    assert (
        client.get(
            reverse("api:submission_audit", kwargs={"pk": act_world.submission.pk})
        ).status_code
        == 404
    )


def test_role_and_permission_changes_in_django_admin_recorded(admin_client, act_world):
    admin_user = act_world.lead.__class__.objects.get(username="admin")
    assignment = act_world.submitter.role_assignments.get()
    admin_client.post(
        reverse("admin:accounts_roleassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    admin_client.post(
        reverse("admin:accounts_roleassignment_add"),
        {"user": act_world.submitter.pk, "role": "signatory", "organisation": act_world.ics.pk},
    )
    user = act_world.submitter
    admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": user.username,
            "email": user.email,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2021-05-01",
            "date_joined_1": "12:00:00",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )

    (removed,) = _events(AuditAction.ROLE_REMOVED)
    (granted,) = _events(AuditAction.ROLE_GRANTED)
    (changed,) = _events(AuditAction.PERMISSIONS_CHANGED)
    assert (removed.actor, removed.before["role"]) == (admin_user, "submitter")
    assert (granted.actor, granted.after["role"], granted.before) == (admin_user, "signatory", None)
    assert (changed.before["is_staff"], changed.after["is_staff"]) == (False, True)


def test_api_hidden_submission_detail_refusal_recorded(client, act_world):
    client.force_login(act_world.outsider)
    assert (
        client.get(
            reverse("api:submission_detail", kwargs={"pk": act_world.submission.pk})
        ).status_code
        == 404
    )
    assert client.get(reverse("api:submission_detail", kwargs={"pk": 999999})).status_code == 404
    assert [(e.actor, e.submission_id) for e in _events(AuditAction.ACCESS_REFUSED)] == [
        (act_world.outsider, act_world.submission.pk)
    ]


def test_audit_trail_tells_what_changed_in_words_never_as_a_dictionary(client, act_world):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    audit_record(
        action=AuditAction.COLLECTION_CHANGED,
        actor=admin,
        before={"status": "changes_requested", "deadline": "2021-05-06T11:00:00+00:00"},
        after={"status": "submitted", "deadline": "2021-05-13T16:30:00+00:00", "is_late": True},
    )
    client.force_login(admin)
    page = client.get(reverse("audit:search")).content.decode()
    assert [
        sentence in page
        for sentence in (
            "Status changed from changes requested to submitted.",
            "Deadline changed from 6 May 2021 at midday (BST) to 13 May 2021 at 5:30pm (BST).",
            "Is late: yes.",
        )
    ] == [True, True, True]
    assert ("{&#x27;status&#x27;" in page, "changes_requested" in page) == (False, False)


def test_audit_search_finds_review_actions_and_takes_dates_in_the_gov_uk_date_input(
    client, act_world
):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    audit_record(action="review.approve", actor=act_world.reviewer)
    client.force_login(admin)
    response = client.get(reverse("audit:search"), {"action": "review.approve"})
    assert [e.action_label for e in response.context["page"]] == ["Approved a return"]
    page = client.get(
        reverse("audit:search"), {"since_day": "2", "since_month": "", "since_year": "2021"}
    ).content.decode()
    assert ('name="since_day"' in page, 'type="date"' in page) == (True, False)
    assert "From date must include a month" in page
