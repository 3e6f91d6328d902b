// The page form's Preview button: opens the signed draft URL (see cms/preview_button.py)
// for the language being edited: the tab or translated field used last, else the first
// visible translated input's language.
;(() => {
  function activeLanguage(form, fallback) {
    for (const input of form.querySelectorAll("input[lang], textarea[lang], [contenteditable][lang]")) {
      if (input.getClientRects().length) return input.getAttribute("lang")
    }
    return fallback
  }
  // The language last worked in: a tab clicked or a translated field focused.
  let chosen = null
  document.addEventListener("focusin", (event) => {
    const field = event.target.closest?.("[lang]")
    if (field?.closest("form")) chosen = field.getAttribute("lang")
  })
  document.addEventListener("click", (event) => {
    const tab = event.target.closest(".ui-tabs-nav a[href^='#']")
    const panel = tab && document.getElementById(tab.getAttribute("href").slice(1))
    const field = panel && panel.querySelector("[lang]")
    if (field) chosen = field.getAttribute("lang")
  })
  document.addEventListener("DOMContentLoaded", () => {
    const holder = document.querySelector("[data-mortar-preview]")
    const row = document.querySelector(".submit-row")
    if (!holder || !row) return
    const { urls, default: fallback } = JSON.parse(holder.dataset.mortarPreview)
    const button = document.createElement("a")
    button.className = "button mortar-preview-button"
    button.textContent = "Preview"
    button.target = "_blank"
    button.rel = "noopener"
    const update = () => {
      const lang = chosen || activeLanguage(row.closest("form"), fallback)
      button.href = urls[lang] || urls[fallback]
      button.lang = lang
    }
    update()
    // Right before it opens, so it follows the language tab switched to meanwhile.
    button.addEventListener("mousedown", update)
    button.addEventListener("focus", update)
    button.addEventListener("click", update)
    row.append(button)
  })
})()
