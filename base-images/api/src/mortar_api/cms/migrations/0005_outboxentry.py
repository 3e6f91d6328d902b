from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0004_page_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutboxEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("invalidate", "cache invalidation"), ("task", "Celery task")],
                        max_length=20,
                    ),
                ),
                ("task", models.CharField(blank=True, max_length=200)),
                ("args", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
            ],
            options={
                "verbose_name": "outbox entry",
                "verbose_name_plural": "outbox entries",
                "ordering": ["pk"],
            },
        ),
    ]
