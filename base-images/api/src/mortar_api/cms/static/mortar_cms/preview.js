// The page form's Preview button: opens the signed draft URL (see cms/preview_button.py)
// for the language of the active tab (the first visible translated input tells it).
;(() => {
  function activeLanguage(form, fallback) {
    for (const input of form.querySelectorAll("input[lang], textarea[lang], [contenteditable][lang]")) {
      if (input.getClientRects().length) return input.getAttribute("lang")
    }
    return fallback
  }
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
      button.href = urls[activeLanguage(row.closest("form"), fallback)] || urls[fallback]
    }
    update()
    // Right before it opens, so it follows the language tab switched to meanwhile.
    button.addEventListener("mousedown", update)
    button.addEventListener("focus", update)
    button.addEventListener("click", update)
    row.append(button)
  })
})()
