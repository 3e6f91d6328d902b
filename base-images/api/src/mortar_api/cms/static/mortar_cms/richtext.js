// Mortar's extensions of django-prose-editor (loaded through the widget's js_modules):
// the field's text direction, links to pages picked by search, images from the media library.
import { Extension, Link } from "django-prose-editor/editor"

const ICON = (path) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="20" height="20"><path d="${path}" fill="currentColor"/></svg>`
const PAGE_ICON = ICON(
  "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm4 18H6V4h7v5h5zM8 13h8v2H8zm0 4h5v2H8z",
)
const IMAGE_ICON = ICON(
  "M21 19V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2zM8.5 13.5l2.5 3 3.5-4.5 4.5 6H5z",
)

// Links as the sanitiser (cms/html.py) writes them: href, title, then nh3's rel; no target.
export const MortarLink = Link.extend({
  renderHTML({ HTMLAttributes }) {
    const { href, title } = HTMLAttributes
    return ["a", { href, title, rel: "noopener noreferrer" }, 0]
  },
})

// Right-to-left languages edit right-to-left: dir and lang on the editor element.
export const MortarDirection = Extension.create({
  name: "MortarDirection",
  addOptions() {
    return { dir: "ltr", lang: "" }
  },
  onCreate() {
    const { dir, lang } = this.options
    for (const el of [this.editor.options.element, this.editor.view.dom]) {
      el.setAttribute("dir", dir)
      if (lang) el.setAttribute("lang", lang)
    }
  },
})

function pagePicker(searchUrl, lang) {
  // A modal listing pages that match a search; resolves to a page's URL or null.
  return new Promise((resolve) => {
    const dialog = document.createElement("dialog")
    dialog.className = "mortar-page-picker"
    dialog.innerHTML = `
      <form method="dialog">
        <h2>Link to a page</h2>
        <input type="search" name="q" placeholder="Search pages by title or path" autocomplete="off">
        <ul class="mortar-page-picker__results"></ul>
        <p><button value="cancel" class="button">Cancel</button></p>
      </form>`
    const input = dialog.querySelector("input")
    const list = dialog.querySelector("ul")
    let chosen = null
    const search = async () => {
      const url = `${searchUrl}?${new URLSearchParams({ q: input.value, lang })}`
      const resp = await fetch(url, { credentials: "same-origin" })
      const data = await resp.json()
      list.replaceChildren()
      for (const page of data.results || []) {
        const li = document.createElement("li")
        const button = document.createElement("button")
        button.type = "button"
        button.className = "mortar-page-picker__page"
        const draft = page.status === "draft" ? " (draft)" : ""
        button.textContent = `${page.title} — ${page.url}${draft}`
        button.dataset.url = page.url
        button.addEventListener("click", () => {
          chosen = page.url
          dialog.close()
        })
        li.append(button)
        list.append(li)
      }
      if (!list.children.length) list.innerHTML = "<li>No page found.</li>"
    }
    let timer
    input.addEventListener("input", () => {
      clearTimeout(timer)
      timer = setTimeout(search, 200)
    })
    dialog.addEventListener("close", () => {
      dialog.remove()
      resolve(chosen)
    })
    document.body.append(dialog)
    dialog.showModal()
    search()
  })
}

// A second link button: link the selected text to a page of this site.
export const MortarPageLink = Extension.create({
  name: "MortarPageLink",
  addOptions() {
    return { searchUrl: "", lang: "" }
  },
  addMenuItems({ menu, buttons }) {
    const { searchUrl, lang } = this.options
    menu.defineItem({
      name: "mortarPageLink",
      groups: "link",
      priority: 90,
      button: buttons.svg(PAGE_ICON, "link to a page"),
      enabled: (editor) => !editor.state.selection.empty || editor.isActive("link"),
      command(editor) {
        pagePicker(searchUrl, lang).then((href) => {
          if (href)
            editor.chain().focus().extendMarkRange("link").setLink({ href }).run()
        })
      },
    })
  },
})

// An image button: choose (or upload) an image in the media library.
export const MortarMediaImage = Extension.create({
  name: "MortarMediaImage",
  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "mortarMediaImage",
      groups: "nodes",
      button: buttons.svg(IMAGE_ICON, "image from the media library"),
      command(editor) {
        window.mortarMediaChooser.open({
          onChoose(asset) {
            editor
              .chain()
              .focus()
              .setImage({ src: asset.url, alt: asset.alt || "" })
              .run()
          },
        })
      },
    })
  },
})
