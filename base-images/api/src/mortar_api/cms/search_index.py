"""The full-text index of pages: one weighted ``tsvector`` column per language.

``search_<lang>`` is a stored generated column: PostgreSQL computes it on every insert and
update, whatever writes the row (the admin, the API, a task, ``QuerySet.update``), so there
is no re-index job and it is never stale. Weights: the title ``A``, the SEO description
``B``, the body and every text of the content blocks ``C``. Each language uses PostgreSQL's
text-search configuration for it (stemming, stop words); ``simple`` where it has none.

Block texts are every string in a block's value except its ``type``, ``id`` and ``url``
(a ``jsonpath`` in the column's expression, so a site's own block types are indexed too);
PostgreSQL's parser drops HTML tags of rich text. Only immutable built-ins are used, as a
generated column requires (and as the lean tenant clone, ``tenancy.clone``, copies).
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVector, SearchVectorCombinable, SearchVectorField
from django.db.models import F, Func, GeneratedField, Value

# PostgreSQL's built-in configurations (SELECT cfgname FROM pg_ts_config) per language.
CONFIGS = {"en": "english", "ar": "arabic", "fr": "french", "de": "german", "es": "spanish"}
# Keys of a block's value that hold no words for a reader (also read by cms.search).
NOT_TEXT_KEYS = ("type", "id", "url")
BLOCK_TEXTS = (
    'strict $.** ? (@.type() == "object").keyvalue() ? (@.value.type() == "string" && !('
    + " || ".join(f'@.key == "{k}"' for k in NOT_TEXT_KEYS)
    + ")).value"
)


def search_config(language: str) -> str:
    """The text-search configuration of ``language`` (``ar-eg`` counts as ``ar``)."""
    return CONFIGS.get(language.split("-")[0].lower(), "simple")


def vector_field(language: str) -> str:
    """``search_en``...: the column holding ``language``'s index."""
    return "search_" + language.lower().replace("-", "_")


class BlockTextVector(Func):
    """The block texts of a ``blocks_<lang>`` column as a ``tsvector``: ``jsonb_to_tsvector``
    of the strings the ``jsonpath`` picks."""

    function = "jsonb_to_tsvector"
    template = "%(function)s(%(expressions)s, '[\"string\"]'::jsonb)"
    output_field = SearchVectorField()

    def __init__(self, blocks: str, *, config: str) -> None:
        texts = Func(
            Func(F(blocks), template="COALESCE(%(expressions)s, '[]'::jsonb)"),
            Func(Value(BLOCK_TEXTS), template="%(expressions)s::jsonpath"),
            function="jsonb_path_query_array",
        )
        super().__init__(Func(Value(config), template="%(expressions)s::regconfig"), texts)


class Weighted(SearchVectorCombinable, Func):
    """``setweight(a || b, 'C')``: several vectors at one weight."""

    template = "setweight((%(expressions)s), %(weight)s)"
    arg_joiner = " || "
    output_field = SearchVectorField()

    def __init__(self, *vectors, weight: str) -> None:
        if weight not in "ABCD" or len(weight) != 1:
            raise ValueError(f"weight must be one of A, B, C, D, not {weight!r}")
        super().__init__(*vectors, weight=f"'{weight}'")


def document(language: str) -> Func:
    """The generated column's expression for ``language``."""
    config = search_config(language)
    return (
        SearchVector(f"title_{language}", config=config, weight="A")
        + SearchVector(f"seo_description_{language}", config=config, weight="B")
        + Weighted(
            SearchVector(f"body_{language}", config=config),
            BlockTextVector(f"blocks_{language}", config=config),
            weight="C",
        )
    )


def generated_field(language: str) -> GeneratedField:
    return GeneratedField(
        expression=document(language),
        output_field=SearchVectorField(),
        db_persist=True,
        editable=False,
    )
