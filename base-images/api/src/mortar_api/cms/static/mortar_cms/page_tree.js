/* The page list as a tree (mortar_api.cms.admin_tree): expand/collapse and drag and drop.
 *
 * Each row's title cell holds <span class="page-tree-node" data-page data-parent
 * data-depth data-move-url>; rows come depth first, so a page's sub-pages are the rows
 * right after it with a greater depth. A drop POSTs {parent, position} to the dragged
 * page's move URL; the server checks and moves, then the list reloads. No dependencies. */
"use strict";
(() => {
  const script = document.getElementById("page-tree-script");
  const config = JSON.parse((script && script.dataset.config) || "{}");
  const storageKey = "mortar.pageTree.collapsed";

  function start() {
    const body = document.querySelector("#result_list tbody");
    if (!body) return;
    const nodes = [...body.querySelectorAll(".page-tree-node")].map((el) => ({
      el,
      tr: el.closest("tr"),
      id: el.dataset.page,
      parent: el.dataset.parent,
      depth: Number(el.dataset.depth),
      toggle: el.querySelector(".page-tree-toggle"),
      handle: el.querySelector(".page-tree-handle"),
    }));
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const childrenOf = (id) => nodes.filter((n) => n.parent === id);
    const descendants = (node) => {
      const out = [];
      for (let i = nodes.indexOf(node) + 1; i < nodes.length && nodes[i].depth > node.depth; i++)
        out.push(nodes[i]);
      return out;
    };

    // --- expand / collapse (remembered per browser and site) --------------------------
    let collapsed;
    try {
      collapsed = new Set(JSON.parse(localStorage.getItem(storageKey) || "[]"));
    } catch (e) {
      collapsed = new Set();
    }
    const save = () => {
      try {
        localStorage.setItem(storageKey, JSON.stringify([...collapsed]));
      } catch (e) {
        /* private mode: not remembered */
      }
    };
    function refresh() {
      let hideBelow = Infinity; // rows deeper than this sit under a collapsed page
      for (const n of nodes) {
        if (n.depth > hideBelow) {
          n.tr.hidden = true;
          continue;
        }
        n.tr.hidden = false;
        hideBelow = collapsed.has(n.id) && !n.toggle.hidden ? n.depth : Infinity;
        n.toggle.setAttribute("aria-expanded", String(!collapsed.has(n.id)));
      }
    }
    for (const n of nodes) {
      n.tr.classList.add("page-tree-row");
      n.tr.dataset.depth = n.depth;
      if (childrenOf(n.id).length) n.toggle.hidden = false;
      n.toggle.addEventListener("click", (e) => {
        e.preventDefault();
        if (collapsed.has(n.id)) collapsed.delete(n.id);
        else collapsed.add(n.id);
        save();
        refresh();
      });
    }
    refresh();

    // --- drag and drop --------------------------------------------------------------
    const note = document.createElement("p");
    note.className = "page-tree-note help";
    note.textContent = config.blocked || config.dragHint || "";
    const table = document.getElementById("result_list");
    table.parentNode.insertBefore(note, table);
    if (config.blocked) {
      for (const n of nodes) {
        n.handle.draggable = false;
        n.handle.classList.add("page-tree-handle-off");
        n.handle.title = config.blocked;
      }
      return;
    }

    let dragged = null;
    let forbidden = new Set();
    let target = null;
    let zone = null;
    const clearMarks = () => {
      for (const tr of body.querySelectorAll(".page-tree-drop-before, .page-tree-drop-after, .page-tree-drop-inside"))
        tr.classList.remove("page-tree-drop-before", "page-tree-drop-after", "page-tree-drop-inside");
    };
    const rowNode = (el) => {
      const tr = el && el.closest ? el.closest("tr") : null;
      const nodeEl = tr && tr.querySelector(".page-tree-node");
      return nodeEl ? byId.get(nodeEl.dataset.page) : null;
    };

    body.addEventListener("dragstart", (e) => {
      const node = e.target.closest && e.target.closest(".page-tree-handle") ? rowNode(e.target) : null;
      if (!node) return;
      dragged = node;
      forbidden = new Set([node.id, ...descendants(node).map((d) => d.id)]);
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", node.id);
      e.dataTransfer.setDragImage(node.tr, 16, 16);
      node.tr.classList.add("page-tree-dragging");
    });
    body.addEventListener("dragover", (e) => {
      const node = dragged && rowNode(e.target);
      clearMarks();
      target = zone = null;
      if (!node || forbidden.has(node.id)) return; // no drop under itself or its sub-pages
      const box = node.tr.getBoundingClientRect();
      const at = (e.clientY - box.top) / box.height;
      zone = at < 0.25 ? "before" : at > 0.75 ? "after" : "inside";
      target = node;
      node.tr.classList.add(`page-tree-drop-${zone}`);
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
    });
    body.addEventListener("dragleave", (e) => {
      if (!body.contains(e.relatedTarget)) clearMarks();
    });
    body.addEventListener("dragend", () => {
      clearMarks();
      if (dragged) dragged.tr.classList.remove("page-tree-dragging");
      dragged = null;
    });
    body.addEventListener("drop", (e) => {
      e.preventDefault();
      clearMarks();
      if (!dragged || !target) return;
      let parent;
      let position;
      if (zone === "inside") {
        parent = target.id;
        position = childrenOf(target.id).filter((n) => n !== dragged).length; // last child
      } else {
        parent = target.parent;
        const siblings = childrenOf(parent).filter((n) => n !== dragged);
        position = siblings.indexOf(target) + (zone === "after" ? 1 : 0);
      }
      move(dragged, parent, position);
    });

    function move(node, parent, position) {
      const form = new FormData();
      form.append("parent", parent);
      form.append("position", String(position));
      const token = document.querySelector("[name=csrfmiddlewaretoken]");
      document.body.classList.add("page-tree-busy");
      fetch(node.el.dataset.moveUrl, {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", "X-Requested-With": "XMLHttpRequest" },
      })
        .then((r) => r.json().catch(() => ({ error: `HTTP ${r.status}` })).then((data) => [r.ok, data]))
        .then(([ok, data]) => {
          if (ok) {
            window.location.reload(); // the server's message shows on the reloaded list
            return;
          }
          showError(data.error || config.failed);
        })
        .catch(() => showError(config.failed))
        .finally(() => document.body.classList.remove("page-tree-busy"));
    }

    function showError(text) {
      let list = document.querySelector("ul.page-tree-errors");
      if (!list) {
        list = document.createElement("ul");
        list.className = "messagelist page-tree-errors";
        list.setAttribute("role", "alert");
        const content = document.getElementById("content") || document.body;
        content.insertBefore(list, content.firstChild);
      }
      const item = document.createElement("li");
      item.className = "error";
      item.textContent = text;
      list.replaceChildren(item);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
