"""The extension models moved from planning to extensions without touching their tables."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

PLANNING_BEFORE = ("planning", "0006_merge_dated_organisations_with_round_definitions")
EXTENSIONS_AFTER = ("extensions", "0001_move_extensions")


def _migrate(targets, *, state):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(state).apps


@pytest.mark.django_db(transaction=True)
def test_moving_the_extension_models_keeps_their_tables_content_types_and_permissions():
    old = _migrate([("extensions", None), PLANNING_BEFORE], state=[PLANNING_BEFORE])
    # A database from before the move: the content type and its permission are planning's.
    moved, _ = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="planning", model="extensionrequest"
    )
    old.get_model("auth", "Permission").objects.get_or_create(
        content_type=moved, codename="view_extensionrequest", defaults={"name": "View"}
    )
    request_table = old.get_model("planning", "ExtensionRequest")._meta.db_table

    new = _migrate([EXTENSIONS_AFTER], state=[EXTENSIONS_AFTER])

    assert (
        new.get_model("extensions", "ExtensionRequest")._meta.db_table,
        list(
            new.get_model("contenttypes", "ContentType")
            .objects.filter(model="extensionrequest")
            .values_list("pk", "app_label")
        ),
        list(
            new.get_model("auth", "Permission")
            .objects.filter(codename="view_extensionrequest")
            .values_list("content_type__app_label", flat=True)
        ),
    ) == (request_table, [(moved.pk, "extensions")], ["extensions"])
