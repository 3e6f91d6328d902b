"""The page list as a tree: indented children, expand/collapse, "add child page", drag and drop.

``PageTreeAdminMixin`` goes first in PageAdmin's bases. It keeps PageAdmin's columns,
search, filters and actions; it only replaces the title column by an indented one, adds
an "Add child page" link per row, lists pages depth first (unless a column is sorted),
and adds a staff-only ``<id>/move/`` view that the drag and drop script
(``mortar_cms/page_tree.js``) posts to. Popups (page pickers) keep the plain list.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Page
from .tree import MoveError, move_page, next_child_order, with_tree_fields


class PageTreeChangeList(ChangeList):
    """Depth first, each page right after its parent, unless a column header is clicked."""

    tree_mode = False

    def get_queryset(self, request: HttpRequest, exclude_parameters=None):
        # A search lists the matches flat, best first (PageAdmin.get_search_results).
        self.tree_mode = not self.is_popup and not self.params.get(ORDER_VAR) and not self.query
        if self.tree_mode:
            self.root_queryset = with_tree_fields(self.root_queryset)
        return super().get_queryset(request, exclude_parameters)

    def get_ordering(self, request: HttpRequest, queryset) -> list:
        # tree_ordering (django-tree-queries) is unique per page: a total order by itself.
        return ["tree_ordering"] if self.tree_mode else super().get_ordering(request, queryset)

    def get_ordering_field_columns(self) -> dict:
        # No column header shows as sorted while the list is a tree.
        return {} if self.tree_mode else super().get_ordering_field_columns()


class PageMoveForm(forms.Form):
    parent = forms.ModelChoiceField(queryset=Page.objects.all(), required=False)
    position = forms.IntegerField(min_value=0, required=False)


class PageTreeAdminMixin:
    # The whole tree on one page: drag and drop needs every sibling in view.
    list_per_page = 500
    list_max_show_all = 2000

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return PageTreeChangeList

    def get_list_display(self, request: HttpRequest) -> list:
        columns = list(super().get_list_display(request))
        if IS_POPUP_VAR in request.GET:
            return columns
        columns = ["tree_title" if c == "title" else c for c in columns]
        if "tree_title" not in columns:
            columns.insert(0, "tree_title")
        if self.has_add_permission(request):  # right after the title: in view on narrow screens
            columns.insert(columns.index("tree_title") + 1, "add_child")
        return columns

    def get_list_display_links(self, request: HttpRequest, list_display) -> list | None:
        # tree_title renders its own link: a link column would wrap the toggle button too.
        if "tree_title" in list_display:
            return None
        return super().get_list_display_links(request, list_display)

    @admin.display(description=gettext_lazy("title"), ordering="title")
    def tree_title(self, obj: Page) -> str:
        url = reverse("admin:cms_page_change", args=[obj.pk])
        depth = getattr(obj, "tree_depth", None)
        if depth is None:  # a sorted (flat) list
            return format_html('<a href="{}">{}</a>', url, obj)
        return format_html(
            '<span class="page-tree-node" data-page="{pk}" data-parent="{parent}" '
            'data-depth="{depth}" data-move-url="{move}" style="--page-tree-depth: {depth}">'
            '<span class="page-tree-handle" draggable="true" title="{drag}" '
            'aria-hidden="true">⠿</span>'
            '<button type="button" class="page-tree-toggle" aria-expanded="true" '
            'aria-label="{toggle}" hidden></button>'
            '<a href="{url}">{title}</a></span>',
            pk=obj.pk,
            parent=obj.parent_id or "",
            depth=depth,
            move=reverse("admin:cms_page_move", args=[obj.pk]),
            drag=_("Drag to move"),
            toggle=_("Show or hide the sub-pages of “%s”") % obj,
            url=url,
            title=obj,
        )

    @admin.display(description="")
    def add_child(self, obj: Page) -> str:
        url = reverse("admin:cms_page_add") + "?" + urlencode({"parent": obj.pk})
        return format_html(
            '<a class="page-tree-add-child addlink" href="{}">{}</a>', url, _("Add child page")
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        parent = str(initial.get("parent", ""))
        if parent.isdigit() and "order" not in initial:  # "add child page": last child
            initial["order"] = next_child_order(int(parent))
        return initial

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        cl = context.get("cl")
        if cl is not None and getattr(cl, "tree_mode", False):
            context["media"] = context["media"] + self.tree_media(request, cl)
        return response

    def tree_media(self, request: HttpRequest, cl: PageTreeChangeList) -> forms.Media:
        if not self.has_change_permission(request):
            blocked = _("You may not move pages.")
        elif cl.query or cl.has_active_filters:
            blocked = _("Clear the search and the filters to move pages by drag and drop.")
        elif cl.multi_page and not cl.show_all:
            blocked = _("Show all pages on one page to move them by drag and drop.")
        else:
            blocked = ""
        config = {
            "blocked": blocked,
            "dragHint": _(
                "Drag ⠿ onto the middle of a row to make the page its child, "
                "or onto its top or bottom edge to place it before or after."
            ),
            "failed": _("The page could not be moved."),
        }
        return forms.Media(
            css={"all": ["mortar_cms/page_tree.css"]},
            js=[
                forms.Script(
                    "mortar_cms/page_tree.js",
                    id="page-tree-script",
                    **{"data-config": json.dumps(config)},
                )
            ],
        )

    def get_urls(self) -> list:
        move = path(
            "<int:page_id>/move/",
            self.admin_site.admin_view(self.move_view),
            name="cms_page_move",
        )
        return [move, *super().get_urls()]

    def move_view(self, request: HttpRequest, page_id: int) -> HttpResponse:
        """POST parent (a page id, empty for the top level) and position (0 = first)."""
        if request.method != "POST":
            return JsonResponse({"error": "Use POST."}, status=405)
        page = get_object_or_404(Page, pk=page_id)  # in the request's tenant only
        if not self.has_change_permission(request, page):
            return JsonResponse({"error": _("You may not move pages.")}, status=403)
        form = PageMoveForm(request.POST)
        if not form.is_valid():
            errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
            field, problems = next(iter(errors.items()))
            return JsonResponse({"error": f"{field}: {problems[0]}", "errors": errors}, status=400)
        old_path = page.path
        try:
            move_page(
                page, form.cleaned_data["parent"], form.cleaned_data["position"], user=request.user
            )
        except MoveError as exc:
            return JsonResponse(
                {"error": exc.message, "errors": {exc.field: [exc.message]}}, status=400
            )
        self.log_change(request, page, [{"changed": {"fields": ["parent", "order"]}}])
        if page.path != old_path:
            message = _("Moved “%(page)s” from /%(old)s/ to /%(new)s/.") % {
                "page": page,
                "old": old_path,
                "new": page.path,
            }
        else:
            message = _("Moved “%(page)s”.") % {"page": page}
        messages.success(request, message)
        return JsonResponse({"ok": True, "path": page.path, "message": message})
