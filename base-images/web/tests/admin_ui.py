"""Helpers that drive the real admin's editing UI in the browser tests: the rich-text editor
(django-prose-editor), the block editor, the media chooser and the page tree."""

from __future__ import annotations


# --- rich text (mortar_api.cms.richtext)
def editor(page, field: str):
    return page.locator(f".prose-editor:has(#id_{field}) > .ProseMirror")


def menu_button(page, field: str, title: str):
    return page.locator(f".prose-editor:has(#id_{field}) .prose-menubar button[title='{title}']")


def show_language(page, field: str) -> None:
    """Click the modeltranslation tab holding the field."""
    page.evaluate(
        """(id) => {
            const panel = document.getElementById(id).closest('.ui-tabs-panel');
            document.querySelector(`a[href="#${panel.id}"]`).click();
        }""",
        f"id_{field}",
    )


def tiptap(page, field: str, code: str) -> object:
    """Run ``code`` with ``e`` = the field's Tiptap editor (Tiptap sets dom.editor)."""
    return page.evaluate(
        f"(sel) => {{ const e = document.querySelector(sel).editor; return {code} }}",
        f".prose-editor:has(#id_{field}) > .ProseMirror",
    )


def body_value(page, field: str) -> str:
    return page.evaluate("(id) => document.getElementById(id).value", f"id_{field}")


def type_formatted(page, field: str, words: dict[str, str]) -> None:
    """A heading, bold text, a bulleted and a numbered list, a quote, through the toolbar."""
    box = editor(page, field)
    box.click()
    page.locator(f".prose-editor:has(#id_{field}) .prose-menubar__selected").click()
    page.locator(f".prose-editor:has(#id_{field}) [data-name=heading2]").click()
    page.keyboard.type(words["heading"])
    page.keyboard.press("Enter")
    menu_button(page, field, "bold").click()
    page.keyboard.type(words["bold"])
    menu_button(page, field, "bold").click()
    page.keyboard.type(" " + words["plain"])
    page.keyboard.press("Enter")
    menu_button(page, field, "unordered list").click()
    page.keyboard.type(words["item1"])
    page.keyboard.press("Enter")
    page.keyboard.type(words["item2"])
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # leaves the list
    menu_button(page, field, "ordered list").click()
    page.keyboard.type(words["step"])
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    menu_button(page, field, "blockquote").click()
    page.keyboard.type(words["quote"])
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type(words["link"])
    # ProseMirror takes typed text in asynchronously too: arrows pressed before it has the
    # last words would select from a stale position (a flake seen once in a full tier)
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).editor.state.doc.textContent.endsWith(text)",
        arg=[f".prose-editor:has(#id_{field}) > .ProseMirror", words["link"]],
    )
    # select the words just typed, then link them to a page picked by search
    for _ in words["link"]:
        page.keyboard.press("Shift+ArrowLeft" if field.endswith("_en") else "Shift+ArrowRight")
    # ProseMirror reads the DOM selection asynchronously: wait until its state has it
    page.wait_for_function(
        "([sel, text]) => { const s = document.querySelector(sel).editor.state;"
        " return s.doc.textBetween(s.selection.from, s.selection.to) === text }",
        arg=[f".prose-editor:has(#id_{field}) > .ProseMirror", words["link"]],
    )
    menu_button(page, field, "link to a page").click()
    page.fill(".mortar-page-picker input[type=search]", words["search"])
    choice = page.locator(".mortar-page-picker__page").first
    choice.wait_for()
    page.wait_for_function(
        "(q) => [...document.querySelectorAll('.mortar-page-picker__page')].length === 1",
        arg=words["search"],
    )
    url = choice.get_attribute("data-url")
    choice.click()
    words["url"] = url


# --- content blocks (mortar_api.cms.widgets_blocks) and the media chooser
def blocks_editor(page, field: str):
    return page.locator(f'.mortar-blocks[data-field="{field}"]')


def add_block(editor, kind: str) -> None:
    add = editor.locator(":scope > ol > li.mortar-blocks__add")
    add.locator("select").select_option(kind)
    add.locator("button").click()


def choose_image(page, block, title: str) -> None:
    """Open the media chooser from `block`, search the library and pick `title`."""
    block.get_by_role("button", name="Choose image").click()
    dialog = page.locator("dialog.mortar-media-chooser")
    dialog.wait_for()
    dialog.locator(".mortar-media-chooser__search").fill(title)
    page.wait_for_function(
        "() => document.querySelector('.mortar-media-chooser__pageinfo')"
        ".textContent.includes('(1 image)')"
    )
    dialog.locator(".mortar-media-chooser__asset").first.click()
    dialog.wait_for(state="hidden")


# --- the page tree (mortar_api.cms.admin_tree)
def row(page, page_id: int):
    return page.locator(f'#result_list tr:has(.page-tree-node[data-page="{page_id}"])')
