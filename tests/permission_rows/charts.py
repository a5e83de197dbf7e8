"""Permission-matrix rows of the charts: national admins see everything,
reviewers their region, system leads their system; anything else is 404."""

from tests.permission_support import ADMIN, Row, only

CHART_VIEWERS = ("system_lead", "regional_reviewer", *ADMIN)

ROWS: list[Row] = [
    row
    for name in ("charts:activity", "charts:submissions")
    for row in (
        Row(name, None, only(*CHART_VIEWERS), label="default scope"),
        Row(name, None, only("regional_reviewer", *ADMIN), label="own region", query="?region=YA1"),
        Row(name, None, only(*ADMIN), label="other region", query="?region=YB2"),
        Row(name, None, only(*CHART_VIEWERS), label="own system", query="?system=QAA"),
        Row(name, None, only(*ADMIN), label="other system", query="?system=QBB"),
        Row(name, None, only(*CHART_VIEWERS, ok=404), label="unknown round", query="?round=999999"),
    )
]
