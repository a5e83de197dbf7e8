"""Permission-matrix rows of the audit trail and notifications."""

from tests.permission_support import (
    ADMIN,
    LOGIN,
    REDIRECT,
    SEES_SYSTEM_A,
    UNAUTHORISED,
    Row,
    _submission_kwargs,
    everyone,
    nobody,
    only,
)

ROWS: list[Row] = [
    # a return's history follows the return
    Row(
        "audit:submission_history",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row(
        "audit:submission_history", _submission_kwargs("ics_b"), only(*ADMIN), label="other system"
    ),
    Row("audit:submission_history", lambda w: {"pk": 999999}, nobody(), label="unknown"),
    # the whole trail: national admins only
    Row("audit:search", None, only(*ADMIN)),
    Row(
        "audit:search", None, only(*ADMIN), label="filtered", query="?action=login&organisation=QHM"
    ),
    Row("audit:export", None, only(*ADMIN)),
    Row("audit:security_log", None, only(*ADMIN)),
    # notifications: everyone signed in sees their own
    Row("notifications:list", None, everyone(200, anonymous=LOGIN)),
    Row("notifications:mark_all_read", None, everyone(REDIRECT, anonymous=LOGIN), method="post"),
    Row("notifications:mark_all_read", None, everyone(405), label="GET not allowed"),
    # api
    Row(
        "api:submission_audit",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system",
    ),
    Row(
        "api:submission_audit",
        _submission_kwargs("ics_b"),
        only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system",
    ),
    Row(
        "api:submission_audit",
        lambda w: {"pk": 999999},
        only(anonymous=UNAUTHORISED),
        label="unknown",
    ),
]
