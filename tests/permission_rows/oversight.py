"""Permission-matrix rows of the progress dashboard and its exports."""

from tests.permission_support import ADMIN, Row, nobody, only

REVIEWER = ("regional_reviewer",)
PAGES = ("oversight:dashboard", "oversight:dashboard_csv", "oversight:dashboard_xlsx")

ROWS: list[Row] = [
    row
    for name in PAGES
    for row in (
        Row(name, None, only(*REVIEWER, *ADMIN), label="every region the user sees"),
        Row(
            name,
            None,
            only(*REVIEWER, *ADMIN),
            label="own region, filtered",
            query="?region=YA1&status=late",
        ),
        Row(name, None, only(*ADMIN), label="other region", query="?region=YB2"),
        Row(name, None, nobody(), label="unknown region", query="?region=ZZZ"),
        Row(
            name,
            None,
            only(*REVIEWER, *ADMIN),
            label="bad filter values",
            query="?collection=abc&status=nope",
        ),
        Row(name, None, nobody(), label="unknown round", query="?round=999999"),
    )
]
