import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("deadlineextension", "extensionrequest")


def _move_content_types(apps, *, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        # A database made after the move has no old content type; one made before has no new one
        # yet (Django adds content types after migrating), so renaming keeps every permission.
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_extensions(apps, schema_editor) -> None:
    _move_content_types(apps, source="planning", target="extensions")


def content_types_to_planning(apps, schema_editor) -> None:
    _move_content_types(apps, source="extensions", target="planning")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("planning", "0007_move_extensions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables were made by planning's migrations and keep their names (db_table): this only
    # tells Django that extensions holds the models now, then moves their content types (and with
    # them their permissions) to this app.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="DeadlineExtension",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("deadline", models.DateTimeField()),
                        ("reason", models.TextField()),
                        ("granted_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "collection",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="extensions",
                                to="planning.collection",
                            ),
                        ),
                        (
                            "granted_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deadline_extensions",
                                to="planning.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "planning_deadlineextension",
                        "ordering": ["-granted_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("collection", "organisation"),
                                name="one_extension_per_collection_org",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("reason", ""), _negated=True),
                                name="extension_has_reason",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ExtensionRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("requested_at", models.DateTimeField(auto_now_add=True)),
                        ("requested_deadline", models.DateTimeField()),
                        ("reason", models.TextField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting for a decision"),
                                    ("granted", "Granted"),
                                    ("refused", "Refused"),
                                    ("withdrawn", "Withdrawn"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("decided_deadline", models.DateTimeField(blank=True, null=True)),
                        ("decision_reason", models.TextField(blank=True)),
                        (
                            "collection",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="extension_requests",
                                to="planning.collection",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="extension_requests",
                                to="planning.organisation",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "planning_extensionrequest",
                        "ordering": ["-requested_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["collection", "organisation", "status"],
                                name="planning_ex_collect_17ff92_idx",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("reason", ""), _negated=True),
                                name="extension_request_has_reason",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("status", "granted"), _negated=True),
                                    ("decided_deadline__isnull", False),
                                    _connector="OR",
                                ),
                                name="granted_extension_has_deadline",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_extensions, content_types_to_planning),
    ]
