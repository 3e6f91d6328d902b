/* Mortar content blocks editor (admin): edits the JSON list in the field's hidden textarea
   with one small form per block; add, remove, move up/down. No dependencies.
   Image fields call window.mortarMediaChooser.open({onChoose(asset)}) when the media
   chooser is on the page, else take an asset id. The server validates everything. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function newId() {
    return "b" + Math.random().toString(36).slice(2, 10);
  }

  function button(label, onclick, cls) {
    return el("button", { type: "button", class: "button mortar-blocks__btn " + (cls || ""),
      text: label, onclick: function (e) { e.preventDefault(); onclick(); } });
  }

  function Editor(root) {
    this.root = root;
    this.textarea = root.querySelector("textarea");
    this.dir = root.getAttribute("dir") || "ltr";
    this.lang = root.getAttribute("lang") || "";
    this.field = root.getAttribute("data-field") || "blocks";
    this.config = JSON.parse(root.getAttribute("data-config"));
    this.types = {};
    var self = this;
    this.config.types.forEach(function (t) { self.types[t.name] = t; });
    try {
      var parsed = JSON.parse(this.textarea.value.trim() || "[]");
      this.blocks = Array.isArray(parsed) ? parsed : [];
    } catch (e) {
      this.blocks = [];
      this.broken = this.textarea.value;  // keep what the server sent back untouched
    }
    this.list = root.querySelector(".mortar-blocks__list");
    this.render();
  }

  Editor.prototype.sync = function () {
    this.textarea.value = JSON.stringify(this.blocks);
  };

  Editor.prototype.textInput = function (value, onchange, multiline, required) {
    var input = el(multiline ? "textarea" : "input", {
      type: multiline ? null : "text", dir: this.dir, lang: this.lang || null,
      rows: multiline ? (multiline === "html" ? 8 : 3) : null,
      class: multiline === "html" ? "vTextField mortar-blocks__html" : "vTextField",
      required: required ? "required" : null,
    });
    input.value = value == null ? "" : value;
    input.addEventListener("input", function () { onchange(input.value); });
    return input;
  };

  Editor.prototype.assetInput = function (value, onchange) {
    var self = this;
    var wrap = el("span", { class: "mortar-blocks__asset" });
    var thumb = el("img", { class: "mortar-blocks__thumb", alt: "", hidden: "hidden" });
    function show(id, url) {
      var known = self.config.assets[String(id)];
      var src = url || (known && known.url);
      if (src) { thumb.src = src; thumb.hidden = false; } else { thumb.hidden = true; }
    }
    if (window.mortarMediaChooser && typeof window.mortarMediaChooser.open === "function") {
      var label = el("span", { class: "mortar-blocks__asset-id",
        text: value ? "#" + value : "No image chosen" });
      wrap.appendChild(thumb);
      wrap.appendChild(label);
      wrap.appendChild(button("Choose image", function () {
        window.mortarMediaChooser.open({ onChoose: function (asset) {
          onchange(asset.id);
          label.textContent = "#" + asset.id + (asset.title ? " " + asset.title : "");
          show(asset.id, asset.thumbnail || asset.url);
        } });
      }));
    } else {
      var input = el("input", { type: "number", min: "1", class: "vIntegerField",
        "aria-label": "Media asset id" });
      input.value = value == null ? "" : value;
      input.addEventListener("input", function () {
        var n = parseInt(input.value, 10);
        onchange(isNaN(n) ? null : n);
        show(n);
      });
      wrap.appendChild(input);
      wrap.appendChild(thumb);
    }
    show(value);
    return wrap;
  };

  Editor.prototype.linkInput = function (value, onchange) {
    // value: the block's whole value; a call to action links to a page or to a URL.
    var self = this;
    var wrap = el("span", { class: "mortar-blocks__link" });
    var select = el("select", { "aria-label": "Page" });
    select.appendChild(el("option", { value: "", text: "— a URL instead —" }));
    this.config.pages.forEach(function (p) {
      select.appendChild(el("option", { value: String(p.id), text: p.label }));
    });
    var url = el("input", { type: "text", dir: "ltr", class: "vTextField",
      placeholder: "https://… or /path/", "aria-label": "URL" });
    select.value = value.page ? String(value.page) : "";
    url.value = value.url || "";
    function update() {
      if (select.value) { value.page = parseInt(select.value, 10); delete value.url; }
      else { delete value.page; value.url = url.value; }
      url.hidden = !!select.value;
      onchange();
    }
    select.addEventListener("change", update);
    url.addEventListener("input", update);
    url.hidden = !!select.value;
    wrap.appendChild(select);
    wrap.appendChild(url);
    return wrap;
  };

  Editor.prototype.imagesInput = function (images, onchange) {
    var self = this;
    var wrap = el("div", { class: "mortar-blocks__images" });
    function draw() {
      wrap.innerHTML = "";
      images.forEach(function (img, i) {
        var row = el("div", { class: "mortar-blocks__image-row" }, [
          self.assetInput(img.image, function (id) { setOrDelete(img, "image", id); onchange(); }),
          self.textInput(img.caption, function (v) { setOrDelete(img, "caption", v); onchange(); }),
          button("Remove image", function () { images.splice(i, 1); onchange(); draw(); },
            "mortar-blocks__remove"),
        ]);
        row.children[1].setAttribute("placeholder", "Caption");
        wrap.appendChild(row);
      });
      wrap.appendChild(button("Add image", function () {
        images.push({}); onchange(); draw();
      }, "mortar-blocks__add-btn"));
    }
    draw();
    return wrap;
  };

  function setOrDelete(obj, key, v) {
    if (v === "" || v === null || v === undefined) delete obj[key];
    else obj[key] = v;
  }

  Editor.prototype.fieldInput = function (block, f, nested) {
    var self = this;
    var value = block.value;
    var changed = function () { self.sync(); };
    var set = function (v) { setOrDelete(value, f.key, v); self.sync(); };
    switch (f.kind) {
      case "html": return this.textInput(value[f.key], set, "html", f.required);
      case "textarea": return this.textInput(value[f.key], set, true, f.required);
      case "asset": return this.assetInput(value[f.key], set);
      case "images":
        if (!Array.isArray(value.images)) value.images = [];
        return this.imagesInput(value.images, changed);
      case "link": return this.linkInput(value, changed);
      case "url": {
        var u = this.textInput(value[f.key], set, false, f.required);
        u.setAttribute("dir", "ltr");
        u.setAttribute("placeholder", "https://www.youtube.com/watch?v=…");
        return u;
      }
      case "blocks":
        if (!Array.isArray(value[f.key])) value[f.key] = [];
        return this.listEditor(value[f.key], true);
      case "number": {
        var n = el("input", { type: "number", class: "vIntegerField" });
        n.value = value[f.key] == null ? "" : value[f.key];
        n.addEventListener("input", function () {
          var x = Number(n.value); set(n.value === "" || isNaN(x) ? null : x);
        });
        return n;
      }
      case "checkbox": {
        var c = el("input", { type: "checkbox" });
        c.checked = !!value[f.key];
        c.addEventListener("change", function () { value[f.key] = c.checked; self.sync(); });
        return c;
      }
      case "json": {
        var j = el("textarea", { rows: 3, class: "vLargeTextField", dir: "ltr" });
        j.value = value[f.key] === undefined ? "" : JSON.stringify(value[f.key]);
        j.addEventListener("input", function () {
          try { set(j.value.trim() ? JSON.parse(j.value) : null); j.setCustomValidity(""); }
          catch (e) { j.setCustomValidity("Not valid JSON"); }
        });
        return j;
      }
      default: return this.textInput(value[f.key], set, false, f.required);
    }
  };

  // One list of blocks (the field's, or a column's): each block a fieldset with its form.
  Editor.prototype.listEditor = function (blocks, nested, target) {
    var self = this;
    var list = target || el("ol", { class: "mortar-blocks__list mortar-blocks__list--nested" });
    function draw() {
      list.innerHTML = "";
      blocks.forEach(function (block, i) {
        var type = self.types[block.type];
        var head = el("div", { class: "mortar-blocks__head" }, [
          el("strong", { text: type ? type.label : block.type }),
          el("code", { class: "mortar-blocks__path", text: nested ? "" : self.field + "[" + i + "]" }),
          button("↑", function () { move(i, -1); }, "mortar-blocks__up"),
          button("↓", function () { move(i, 1); }, "mortar-blocks__down"),
          button("Remove", function () { blocks.splice(i, 1); self.sync(); draw(); },
            "mortar-blocks__remove"),
        ]);
        head.querySelector(".mortar-blocks__up").disabled = i === 0;
        head.querySelector(".mortar-blocks__down").disabled = i === blocks.length - 1;
        head.querySelector(".mortar-blocks__up").setAttribute("aria-label", "Move up");
        head.querySelector(".mortar-blocks__down").setAttribute("aria-label", "Move down");
        var body = el("div", { class: "mortar-blocks__body" });
        if (!block.value || typeof block.value !== "object") block.value = {};
        if (type) {
          type.fields.forEach(function (f) {
            var input = self.fieldInput(block, f, nested);
            // a <label> only around a single control: one around several buttons would
            // become every button's accessible name
            var single = /^(INPUT|TEXTAREA|SELECT)$/.test(input.tagName);
            body.appendChild(el(single ? "label" : "div", { class: "mortar-blocks__field",
              role: single ? null : "group", "aria-label": single ? null : f.label }, [
              el("span", { text: f.label + (f.required ? " *" : "") }), input,
            ]));
          });
        } else {
          body.appendChild(el("p", { text: "Unknown block type: kept as it is." }));
        }
        list.appendChild(el("li", { class: "mortar-blocks__block", "data-type": block.type },
          [head, body]));
      });
      var picker = el("select", { class: "mortar-blocks__type", "aria-label": "Block type" });
      self.config.types.forEach(function (t) {
        if (!nested || t.nestable) picker.appendChild(el("option", { value: t.name, text: t.label }));
      });
      list.appendChild(el("li", { class: "mortar-blocks__add" }, [
        picker,
        button(nested ? "Add to column" : "Add block", function () {
          blocks.push({ type: picker.value, id: newId(), value: {} });
          self.sync();
          draw();
        }, "mortar-blocks__add-btn"),
      ]));
      self.upgradeRichText(list);
    }
    function move(i, delta) {
      var j = i + delta;
      if (j < 0 || j >= blocks.length) return;
      var b = blocks.splice(i, 1)[0];
      blocks.splice(j, 0, b);
      self.sync();
      draw();
    }
    draw();
    return list;
  };

  // Rich-text blocks get the body's WYSIWYG editor (django-prose-editor) with the same
  // configuration (toolbar, language, direction), so editors never type HTML. Without it on
  // the page (a site that swapped the body widget) the plain textarea stays.
  Editor.prototype.upgradeRichText = function (container) {
    if (!container.isConnected) return;  // a column drawn before it is attached: done later
    var lang = this.field.replace(/^blocks_?/, "");
    var body = document.getElementById("id_body" + (lang ? "_" + lang : ""));
    var attr = "data-django-prose-editor-configurable";
    var config = body && body.getAttribute(attr);
    var jq = window.django && window.django.jQuery;
    if (!config || !jq) return;
    container.querySelectorAll("textarea.mortar-blocks__html").forEach(function (ta) {
      if (ta.hasAttribute(attr)) return;
      ta.setAttribute(attr, config);
      // django-prose-editor creates editors for new admin inlines on this event
      jq(ta.parentNode).trigger("formset:added");
    });
  };

  Editor.prototype.render = function () {
    if (this.broken !== undefined) {
      // Invalid JSON came back from the server: show it raw rather than lose it.
      this.textarea.hidden = false;
      return;
    }
    this.listEditor(this.blocks, false, this.list);
    this.sync();
  };

  function init() {
    document.querySelectorAll(".mortar-blocks").forEach(function (root) {
      if (!root.mortarBlocks) root.mortarBlocks = new Editor(root);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
