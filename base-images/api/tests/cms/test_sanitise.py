# ruff: noqa: E501  (a table of HTML cases reads best one case per line)
"""Rich text is sanitised with an allow-list on save (every language column)."""

from __future__ import annotations

import pytest
from cms.conftest import make_page
from mortar_api.cms.html import sanitise_html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>ok</p><script>alert(1)</script>", "<p>ok</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="JaVaScRiPt:alert(1)" title="t">x</a>', '<a title="t" rel="noopener noreferrer">x</a>'),
        ('<a href="https://ok.test/" onclick="x()">x</a>', '<a href="https://ok.test/" rel="noopener noreferrer">x</a>'),
        ('<img src="/m/a.png" alt="a" onerror="x()" width="10">', '<img src="/m/a.png" alt="a" width="10">'),
        ('<img src="data:text/html,evil">', "<img>"),
        ("<h1>t</h1><h2>s</h2>", "t<h2>s</h2>"),
        ('<p style="color:red" class="x">p</p>', "<p>p</p>"),
        ("<iframe src='https://x.test'></iframe><p>a</p>", "<p>a</p>"),
        ("<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>",
         "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>"),
        ("<figure><img src='/a.png'><figcaption>c</figcaption></figure>",
         '<figure><img src="/a.png"><figcaption>c</figcaption></figure>'),
        ("<ul><li><strong>a</strong> <em>b</em></li></ul><blockquote>q</blockquote><pre><code>c</code></pre><br>",
         "<ul><li><strong>a</strong> <em>b</em></li></ul><blockquote>q</blockquote><pre><code>c</code></pre><br>"),
        ("<!-- hidden --><p>x</p>", "<p>x</p>"),
        (None, ""),
    ],
)  # fmt: skip
def test_allow_list(dirty: str | None, clean: str) -> None:
    assert sanitise_html(dirty) == clean


@pytest.mark.django_db
def test_sanitised_on_save_in_every_language(tenant_a, in_tenant) -> None:
    from mortar_api.cms.models import Page

    with in_tenant(tenant_a):
        page = make_page(
            "X", body_en="<p>a</p><script>1</script>", body_ar='<a href="javascript:x">b</a>'
        )
        stored = Page.objects.values("body_en", "body_ar").get(pk=page.pk)
    assert stored == {"body_en": "<p>a</p>", "body_ar": '<a rel="noopener noreferrer">b</a>'}
