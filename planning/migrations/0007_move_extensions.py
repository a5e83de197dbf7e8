from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0006_merge_dated_organisations_with_round_definitions"),
    ]

    # The models moved to the extensions app with their tables (extensions 0001): only Django's
    # idea of which app holds them changes; nothing in the database does.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="extensionrequest",
                    name="collection",
                ),
                migrations.RemoveField(
                    model_name="extensionrequest",
                    name="decided_by",
                ),
                migrations.RemoveField(
                    model_name="extensionrequest",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="extensionrequest",
                    name="requested_by",
                ),
                migrations.DeleteModel(
                    name="DeadlineExtension",
                ),
                migrations.DeleteModel(
                    name="ExtensionRequest",
                ),
            ],
        ),
    ]
