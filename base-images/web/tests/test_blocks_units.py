"""The block template registry: unknown types skipped (logged), a site's own type rendered."""

from __future__ import annotations

import logging

from django.template import Context, Template
from mortar_web import blocks

RENDER = Template("{% load mortar_blocks %}{% render_blocks items %}")


def render(items: object, lang: str = "en") -> str:
    return RENDER.render(Context({"items": items, "lang": lang, "t": {"play_video": "Play"}}))


def test_unknown_or_malformed_blocks_are_skipped_and_logged(caplog) -> None:
    items = [
        {"type": "hologram", "value": {}},
        {"type": "../../secret", "value": {}},
        "junk",
        {"type": "quote"},
        {"type": "cta", "value": {"label": "No link"}},
        {"type": "video", "value": {"provider": "dailymotion", "video_id": "x"}},
        {"type": "quote", "id": "q", "value": {"text": "<b>kept</b>"}},
    ]
    with caplog.at_level(logging.WARNING, logger="mortar_web"):
        html = render(items)
    assert html.count('class="block ') == 1 and "&lt;b&gt;kept&lt;/b&gt;" in html
    assert "hologram" in caplog.text
    assert render("not a list") == "" and render(None) == ""


def test_cta_links_are_localised_and_external_ones_kept() -> None:
    internal = {"type": "cta", "value": {"label": "Go", "url": "/about/", "is_external": False}}
    external = {
        "type": "cta",
        "value": {"label": "X", "url": "https://x.example/", "is_external": True},
    }
    assert 'href="/ar/about/"' in render([internal], "ar")
    assert 'href="https://x.example/" rel="noopener"' in render([external], "ar")


def test_a_site_registers_its_own_block_template(tmp_path, settings) -> None:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "map.html").write_text('<div class="map">{{ value.query }}</div>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    blocks.register("map", "mysite/map.html")
    try:
        html = Template("{% load mortar_blocks %}{% render_blocks items %}").render(
            Context({"items": [{"type": "map", "value": {"query": "Beirut"}}]})
        )
        assert html == '<div class="map">Beirut</div>'
    finally:
        blocks.unregister("map")
