"""Full-text search over the pages' index (cms.search_index): ranked matches and snippets.

Queries go through ``websearch_to_tsquery`` (quotes, ``or``, ``-word``; any input is valid,
so a visitor can never cause a syntax error). Snippets are ``ts_headline`` over the page's
text (HTML with its tags dropped; plain texts escaped, so that no "<word>" reads as a tag)
with the matched words between two private-use characters; each piece is then read and
escaped again here and the markers turned into ``<mark>``: the only HTML in a snippet is
ours.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from psycopg import ClientCursor

from .search_index import NOT_TEXT_KEYS, search_config, vector_field

MAX_QUERY_LENGTH = 200
START, STOP = "\ue000", "\ue001"  # stripped from the text first: only ts_headline sets them
HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15, ShortWord=2, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def web_query(text: str, language: str) -> SearchQuery:
    return SearchQuery(text, config=search_config(language), search_type="websearch")


def ranked(queryset: QuerySet, text: str, language: str) -> QuerySet:
    """``queryset``'s pages matching ``text`` in ``language``, best first (then by path),
    annotated with ``search_rank``."""
    field, query = vector_field(language), web_query(text, language)
    return (
        queryset.filter(**{field: query})
        .annotate(search_rank=SearchRank(F(field), query))
        .order_by("-search_rank", "path")
    )


def ranked_any(queryset: QuerySet, text: str, languages: list[str]) -> QuerySet:
    """Pages matching ``text`` in any of ``languages`` (each with its own stemming), or whose
    path or title contains it (a word being typed), annotated with their best
    ``search_rank``. The admin's page search."""
    match = Q(path__icontains=text.strip())
    ranks = []
    for lang in languages:
        field, query = vector_field(lang), web_query(text, lang)
        suffix = lang.replace("-", "_")
        match |= Q(**{field: query}) | Q(**{f"title_{suffix}__icontains": text.strip()})
        ranks.append(SearchRank(F(field), query))
    rank = Greatest(*ranks) if len(ranks) > 1 else ranks[0]
    return queryset.filter(match).annotate(search_rank=rank)


def html_text(value: str | None) -> str:
    """Sanitised HTML without its tags (word separators); entities stay escaped."""
    return _TAG.sub(" ", value or "")


def block_texts(value: Any, key: str = "") -> list[str]:
    """The texts the index holds for a blocks value (``search_index.BLOCK_TEXTS``), as
    HTML text (escaped)."""
    if isinstance(value, dict):
        return [t for k, v in value.items() if k not in NOT_TEXT_KEYS for t in block_texts(v, k)]
    if isinstance(value, list):
        return [t for item in value for t in block_texts(item, key)]
    if isinstance(value, str) and key:
        return [html_text(value) if key == "html" else html.escape(value, quote=False)]
    return []


def page_text(page: Any, language: str) -> str:
    """What a snippet is cut from, as HTML text: SEO description, body and blocks."""
    suffix = language.replace("-", "_")
    parts = [
        html.escape(getattr(page, f"seo_description_{suffix}", "") or "", quote=False),
        html_text(getattr(page, f"body_{suffix}", "")),
        *block_texts(getattr(page, f"blocks_{suffix}", None) or []),
    ]
    text = _SPACE.sub(" ", " ".join(parts)).strip()
    return text.replace(START, "").replace(STOP, "")


def marked(headline: str) -> str:
    """ts_headline's output as safe HTML: everything escaped, the matches in ``<mark>``."""
    out, inside = [], False
    for part in re.split(f"([{START}{STOP}])", headline):
        if part == START:
            inside = True
        elif part == STOP:
            inside = False
        elif part:
            escaped = html.escape(html.unescape(part), quote=True)
            out.append(f"<mark>{escaped}</mark>" if inside else escaped)
    return "".join(out)


def snippets(texts: list[str], text: str, language: str) -> list[str]:
    """One highlighted snippet (safe HTML) per text, in one query."""
    if not texts:
        return []
    config = search_config(language)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ts_headline(%s::regconfig, t.doc, websearch_to_tsquery(%s::regconfig, %s), %s)"
            " FROM unnest(%s::text[]) WITH ORDINALITY AS t(doc, n) ORDER BY t.n",
            [config, config, text, HEADLINE_OPTIONS, texts],
        )
        return [marked(row[0] or "") for row in cursor.fetchall()]


@dataclass(frozen=True)
class Results:
    count: int  # at most the cap (MORTAR_SEARCH_MAX_RESULTS)
    more: bool  # more pages match than ``count``: only the first ``count`` found were ranked
    pages: list[Any]
    snippets: list[str]


# One pass over the capped matches: their number and the ids of one page of the best.
# ``(SELECT 1)``: a row even when the page is past the last (then ``pk`` is NULL).
_PAGE_OF_FOUND = (
    "WITH found AS MATERIALIZED ({found}) "
    "SELECT (SELECT count(*) FROM found), best.pk FROM (SELECT 1) AS one "
    "LEFT JOIN LATERAL (SELECT pk FROM found ORDER BY search_rank DESC, path "
    "LIMIT %s OFFSET %s) AS best ON true"
)


def _steered(cursor: Any) -> str:
    """SETs that make the planner match through the GIN index's bitmap, to put before the
    search query: for a word on most pages it picks a sequential scan, which reads each
    match's vector twice (to match, then for ts_rank); the bitmap matches without reading
    them (EXPLAIN: 6,300 -> 3,200 buffers, half the time). Sent as one simple-protocol
    query with the search (the client-side binding cursor Django uses by default), the
    statements form one implicit transaction: ``SET LOCAL`` ends with it, and no
    BEGIN/COMMIT round trips are added. With server-side binding (one statement per
    query) nothing is steered."""
    return "" if not isinstance(cursor.cursor, ClientCursor) else _BITMAP


_BITMAP = "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; "


def search(
    queryset: QuerySet, text: str, language: str, offset: int, limit: int, cap: int | None = None
) -> Results:
    """One page of ranked results with their snippets (three queries: the capped matches'
    count and best ids, their pages, the snippets).

    Only the first ``cap`` matches the index finds (``MORTAR_SEARCH_MAX_RESULTS``) are
    ranked and counted: ``ts_rank`` reads each match's whole vector, and for a word on
    most of 10,000 pages that took 400 ms. A query matching more than ``cap`` pages says
    so (``more``) and ranks those ``cap`` only; fewer matches are ranked exactly.
    """
    cap = cap or settings.MORTAR_SEARCH_MAX_RESULTS
    # No ORDER BY inside: the LIMIT stops the scan at cap + 1 matches (the extra one tells
    # whether there are more), and only those are ranked.
    found = ranked(queryset, text, language).order_by().values("pk", "path", "search_rank")
    sql, params = found[: cap + 1].query.sql_with_params()
    size = max(0, min(limit, cap - offset))
    with connection.cursor() as cursor:
        steer = _steered(cursor)
        cursor.execute(steer + _PAGE_OF_FOUND.format(found=sql), [*params, size, offset])
        while cursor.description is None and cursor.nextset():  # past the SETs' results
            pass
        rows = cursor.fetchall()
        if steer and connection.in_atomic_block:
            # inside a caller's transaction SET LOCAL would last until its end
            cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    total, ids = rows[0][0], [row[1] for row in rows if row[1] is not None]
    by_id = queryset.in_bulk(ids) if ids else {}
    pages = [by_id[pk] for pk in ids if pk in by_id]
    cuts = snippets([page_text(p, language) for p in pages], text, language)
    return Results(count=min(total, cap), more=total > cap, pages=pages, snippets=cuts)
