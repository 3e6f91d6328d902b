"""The full-text index of pages (cms.search_index): a generated tsvector column per language
and its GIN index. Adding a stored generated column computes it for every existing page.

The expression comes from cms.search_index; to change it later, a new migration removes the
columns and adds them with the new expression (PostgreSQL cannot alter a generation).
"""

import django.contrib.postgres.indexes
from django.db import migrations

from mortar_api.cms.search_index import generated_field

LANGUAGES = ("ar", "de", "en", "es", "fr")  # cms.languages.SUPPORTED_LANGUAGES in 0004


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_page_blocks_and_review"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name="page", name=f"search_{lang}", field=generated_field(lang)
            )
            for lang in LANGUAGES
        ),
        *(
            migrations.AddIndex(
                model_name="page",
                index=django.contrib.postgres.indexes.GinIndex(
                    fields=[f"search_{lang}"], name=f"cms_page_search_{lang}", fastupdate=False
                ),
            )
            for lang in ("en", "ar", "fr", "de", "es")
        ),
    ]
