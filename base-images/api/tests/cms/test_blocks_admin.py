"""The Page admin edits each language's blocks (widget + blocks.js); bad blocks are a form
error naming the block, and nothing is saved."""

from __future__ import annotations

import json

import pytest
from cms.test_blocks_api import make_asset

pytestmark = pytest.mark.django_db


def _form(**fields) -> dict:
    data = {
        "title_en": "Admin blocks", "title_ar": "", "slug": "admin-blocks", "order": "0",
        "status": "draft", "body_en": "", "body_ar": "", "blocks_en": "[]", "blocks_ar": "[]",
        "seo_title_en": "", "seo_title_ar": "", "seo_description_en": "",
        "seo_description_ar": "",
    }  # fmt: skip
    data.update(fields)
    return data


def test_change_form_has_a_block_editor_per_language(tenant_a, admin_client_for) -> None:
    resp = admin_client_for(tenant_a).get("/admin/cms/page/add/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "mortar_cms/blocks.js" in html and "mortar_cms/blocks.css" in html
    assert 'data-field="blocks_en"' in html and 'data-field="blocks_ar"' in html
    assert 'dir="rtl" lang="ar" data-field="blocks_ar"' in html  # Arabic edits right-to-left
    assert "Call to action" in html and "&quot;nestable&quot;: false" in html


def test_admin_saves_blocks(tenant_a, in_tenant, admin_client_for) -> None:
    from mortar_api.cms.models import Page

    with in_tenant(tenant_a):
        asset = make_asset()
    blocks = [
        {"type": "image", "id": "x1", "value": {"image": asset.pk, "caption": "c"}},
        {"type": "quote", "id": "x2", "value": {"text": "q"}},
    ]
    resp = admin_client_for(tenant_a).post(
        "/admin/cms/page/add/",
        _form(blocks_en=json.dumps(blocks), blocks_ar=json.dumps(blocks[1:])),
    )
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    with in_tenant(tenant_a):
        page = Page.objects.get(slug="admin-blocks")
        assert page.blocks_en == blocks and page.blocks_ar == blocks[1:]


@pytest.mark.parametrize(
    ("blocks", "says"),
    [
        ('[{"type": "quote", "value": {}}]', "blocks_en[0].value.text: This field is required."),
        ('[{"type": "cta", "value": {"label": "x", "url": "javascript:alert(1)"}}]', "value.url"),
        ('[{"type": "image", "value": {"image": 987654}}]', "No media asset with id 987654"),
        ("[{not json", "Enter a valid JSON."),
    ],
)
def test_admin_shows_bad_blocks_as_a_form_error(
    tenant_a, in_tenant, admin_client_for, blocks, says
) -> None:
    from mortar_api.cms.models import Page

    resp = admin_client_for(tenant_a).post("/admin/cms/page/add/", _form(blocks_en=blocks))
    assert resp.status_code == 200
    errors = resp.context["adminform"].form.errors
    assert any(says in m for m in errors["blocks_en"]), errors
    with in_tenant(tenant_a):
        assert not Page.objects.filter(slug="admin-blocks").exists()
