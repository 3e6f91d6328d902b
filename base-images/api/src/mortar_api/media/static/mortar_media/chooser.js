// The media chooser: a modal over the tenant's media library (search, pages, upload).
// Other admin scripts call window.mortarMediaChooser.open({onChoose(asset) {...}}),
// asset = {id, url, thumbnail, title, alt}. Image ForeignKey widgets use it too.
;(() => {
  if (window.mortarMediaChooser) return
  const urls = () => {
    const el = document.querySelector("[data-mortar-chooser-urls]")
    const base = el ? JSON.parse(el.dataset.mortarChooserUrls) : {}
    return {
      list: base.list || "/admin/media/mediaasset/chooser/",
      upload: base.upload || "/admin/media/mediaasset/chooser/upload/",
    }
  }
  const csrf = () => {
    const input = document.querySelector("[name=csrfmiddlewaretoken]")
    if (input) return input.value
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)
    return m ? decodeURIComponent(m[1]) : ""
  }
  const el = (tag, props = {}, children = []) => {
    const node = Object.assign(document.createElement(tag), props)
    node.append(...children)
    return node
  }

  function open({ onChoose } = {}) {
    const dialog = el("dialog", { className: "mortar-media-chooser" })
    dialog.innerHTML = `
      <div class="mortar-media-chooser__head">
        <h2>Choose an image</h2>
        <button type="button" class="button mortar-media-chooser__close">Close</button>
      </div>
      <input type="search" class="mortar-media-chooser__search" placeholder="Search by title, alt text or file name" autocomplete="off">
      <ul class="mortar-media-chooser__grid"></ul>
      <div class="mortar-media-chooser__pages">
        <button type="button" class="button" data-step="-1">Previous</button>
        <span class="mortar-media-chooser__pageinfo"></span>
        <button type="button" class="button" data-step="1">Next</button>
      </div>
      <form class="mortar-media-chooser__upload">
        <h3>Upload a new image</h3>
        <input type="file" name="file" accept="image/jpeg,image/png,image/gif,image/webp" required>
        <input type="text" name="title" placeholder="Title" maxlength="200">
        <input type="text" name="alt" placeholder="Alt text (describe the image)" maxlength="300">
        <button type="submit" class="button default">Upload and choose</button>
        <p class="errornote mortar-media-chooser__error" hidden></p>
      </form>`
    const $ = (sel) => dialog.querySelector(sel)
    const grid = $(".mortar-media-chooser__grid")
    const search = $(".mortar-media-chooser__search")
    const info = $(".mortar-media-chooser__pageinfo")
    const error = $(".mortar-media-chooser__error")
    let page = 1
    let pages = 1

    const choose = (asset) => {
      dialog.close()
      if (onChoose) onChoose(asset)
    }
    const load = async () => {
      const query = new URLSearchParams({ q: search.value, page })
      const resp = await fetch(`${urls().list}?${query}`, { credentials: "same-origin" })
      const data = await resp.json()
      if (!resp.ok) {
        page = 1
        grid.replaceChildren(el("li", { textContent: data.error || "Could not load images." }))
        return
      }
      pages = data.pages
      info.textContent = `Page ${data.page} of ${data.pages} (${data.count} image${data.count === 1 ? "" : "s"})`
      grid.replaceChildren(
        ...data.results.map((asset) =>
          el("li", {}, [
            el(
              "button",
              {
                type: "button",
                className: "mortar-media-chooser__asset",
                title: asset.title,
                onclick: () => choose(asset),
              },
              [
                el("img", { src: asset.thumbnail, alt: asset.alt, loading: "lazy" }),
                el("span", { textContent: asset.title }),
              ],
            ),
          ]),
        ),
      )
      if (!data.results.length) grid.append(el("li", { textContent: "No image found." }))
    }
    let timer
    search.addEventListener("input", () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        page = 1
        load()
      }, 200)
    })
    for (const button of dialog.querySelectorAll("[data-step]"))
      button.addEventListener("click", () => {
        const next = page + Number(button.dataset.step)
        if (next >= 1 && next <= pages) {
          page = next
          load()
        }
      })
    $(".mortar-media-chooser__close").addEventListener("click", () => dialog.close())
    $(".mortar-media-chooser__upload").addEventListener("submit", async (event) => {
      event.preventDefault()
      error.hidden = true
      const resp = await fetch(urls().upload, {
        method: "POST",
        body: new FormData(event.target),
        headers: { "X-CSRFToken": csrf() },
        credentials: "same-origin",
      })
      const data = await resp.json().catch(() => ({}))
      if (resp.ok) return choose(data)
      const messages = Object.entries(data.errors || {}).flatMap(([field, errs]) =>
        errs.map((e) => `${field}: ${e.message}`),
      )
      error.textContent = messages.join(" ") || `Upload failed (${resp.status}).`
      error.hidden = false
    })
    dialog.addEventListener("close", () => dialog.remove())
    document.body.append(dialog)
    dialog.showModal()
    load()
    return dialog
  }

  window.mortarMediaChooser = { open }

  // Image ForeignKey widgets (media.chooser.MediaChooserWidget).
  document.addEventListener("click", (event) => {
    const widget = event.target.closest("[data-mortar-chooser]")
    if (!widget) return
    const input = widget.querySelector("input[type=hidden]")
    const thumb = widget.querySelector(".mortar-chooser__thumb")
    const title = widget.querySelector(".mortar-chooser__title")
    const clear = widget.querySelector(".mortar-chooser__clear")
    if (event.target.closest(".mortar-chooser__choose")) {
      open({
        onChoose(asset) {
          input.value = asset.id
          thumb.replaceChildren(el("img", { src: asset.thumbnail, alt: "" }))
          title.textContent = asset.title
          clear.hidden = false
          input.dispatchEvent(new Event("change", { bubbles: true }))
        },
      })
    } else if (event.target.closest(".mortar-chooser__clear")) {
      input.value = ""
      thumb.replaceChildren()
      title.textContent = "No image"
      clear.hidden = true
      input.dispatchEvent(new Event("change", { bubbles: true }))
    }
  })
})()
