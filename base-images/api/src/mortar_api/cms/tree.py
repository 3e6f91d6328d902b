"""The page tree: depth-first listing and moving a page (with its sub-pages) to a new place.

The tree is Page's own ``parent`` foreign key and ``order`` field; django-tree-queries reads
it with one recursive query (no extra columns, no schema change). A move is one
transaction under a per-tenant lock: checks first (so a refused move changes nothing),
then ``Page.save()``, which re-computes ``path`` for the page and every descendant,
records their revisions and fires the signals that invalidate the public caches (and
``cms.page_redirects`` adds the 301s from the old URLs).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.db.models.functions import Length
from tree_queries.compiler import TreeQuery

from .models import Page

LOCK_NAME = "mortar:cms:page-tree"


class MoveError(ValueError):
    """A move that is refused; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "parent") -> None:
        super().__init__(message)
        self.message, self.field = message, field


def with_tree_fields(queryset: QuerySet) -> QuerySet:
    """``queryset`` with django-tree-queries' ``tree_depth``/``tree_path``/``tree_ordering``.

    What ``TreeQuerySet.with_tree_fields()`` does, applied to Page's own queryset class
    (modeltranslation's and PageQuerySet's behaviour stays): siblings rank by
    ``Page.Meta.ordering`` (order, then path), so ``order_by("tree_ordering")`` lists
    each page right after its parent, depth first.
    """
    queryset = queryset._chain()
    queryset.query.__class__ = TreeQuery
    queryset.query._setup_query()
    return queryset


def _lock_tree() -> None:
    """Serialise moves within the tenant: two crossing moves could otherwise make a cycle."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"{LOCK_NAME}:{getattr(connection, 'schema_name', '')}"],
        )


def _is_descendant_or_self(page: Page, candidate: Page) -> bool:
    node_id = candidate.pk
    seen: set[int] = set()
    while node_id is not None and node_id not in seen:
        if node_id == page.pk:
            return True
        seen.add(node_id)
        node_id = Page.objects.filter(pk=node_id).values_list("parent_id", flat=True).first()
    return False


def _check_path_length(page: Page, new_path: str) -> None:
    limit = Page._meta.get_field("path").max_length
    longest = Page.objects.filter(path__startswith=f"{page.path}/").aggregate(
        n=Max(Length("path"))
    )["n"] or len(page.path)
    if longest - len(page.path) + len(new_path) > limit:
        raise MoveError(
            f"Moving “{page}” there would make a page address longer than {limit} characters."
        )


def _renumber(parent_id: int | None, ordered_ids: list[int]) -> None:
    """Give siblings the orders 0, 1, 2, ... (only rows whose order changes are written)."""
    for index, pk in enumerate(ordered_ids):
        Page.objects.filter(pk=pk, parent_id=parent_id).exclude(order=index).update(order=index)


def sibling_ids(parent: Page | None, exclude: Page | None = None) -> list[int]:
    siblings = Page.objects.filter(parent=parent).order_by("order", "path")
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    return list(siblings.values_list("pk", flat=True))


def next_child_order(parent_id: int | None) -> int:
    """The ``order`` that puts a new page last among ``parent_id``'s children."""
    last = Page.objects.filter(parent_id=parent_id).aggregate(m=Max("order"))["m"]
    return 0 if last is None else last + 1


def move_page(page: Page, parent: Page | None, position: int | None = None, user=None) -> Page:
    """Put ``page`` under ``parent`` (None: top level) at ``position`` among its new siblings.

    ``position`` counts from 0 and excludes the page itself; None or past the end: last.
    Raises MoveError (nothing changed) for a move under the page itself or one of its
    sub-pages, a slug already used under the new parent, or a too long address.
    """
    with transaction.atomic():
        _lock_tree()
        page.refresh_from_db()
        if parent is not None:
            parent = Page.objects.get(pk=parent.pk)  # fresh, after the lock
            if _is_descendant_or_self(page, parent):
                raise MoveError(f"“{page}” cannot be moved under itself or one of its sub-pages.")
        clash = Page.objects.filter(parent=parent, slug=page.slug).exclude(pk=page.pk).first()
        if clash is not None:
            where = f"“{parent}”" if parent is not None else "The top level"
            raise MoveError(
                f"{where} already has a page with the slug “{page.slug}” (“{clash}”). "
                "Change one of the slugs first."
            )
        new_path = f"{parent.path}/{page.slug}" if parent is not None else page.slug
        _check_path_length(page, new_path)

        old_parent_id = page.parent_id
        siblings = sibling_ids(parent, exclude=page)
        index = len(siblings) if position is None else max(0, min(position, len(siblings)))
        siblings.insert(index, page.pk)

        page.parent, page.order = parent, index
        page.save(revision_note="moved in the page tree", revision_user=user)
        _renumber(page.parent_id, siblings)
        if old_parent_id != page.parent_id:
            old_parent = Page(pk=old_parent_id) if old_parent_id is not None else None
            _renumber(old_parent_id, sibling_ids(old_parent))
    return page
