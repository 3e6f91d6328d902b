"""``{% awaiting_review %}``: the admin index's list of pages submitted for review."""

from __future__ import annotations

from django import template

from mortar_api.cms.permissions import can_publish
from mortar_api.cms.review import awaiting_review as pages_awaiting_review

register = template.Library()
SHOWN = 20


@register.inclusion_tag("admin/cms/awaiting_review.html", takes_context=True)
def awaiting_review(context: template.Context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("cms.view_page"):
        return {"show": False}
    pages = pages_awaiting_review()
    return {
        "show": True,
        "pages": pages[:SHOWN],
        "count": pages.count(),
        "can_publish": can_publish(user),
    }
