// The desk's one script: turn a selection in the story into code point offsets, show the
// annotation toolbar, and wire the pickers of the annotation forms. htmx does the rest.
//
// The server stores offsets in Unicode code points; the DOM counts UTF-16 code units. Every
// rendered segment of the body carries its code point offset in data-start, so a selection
// boundary is that offset plus the code points of the segment's text before the boundary.
(function () {
  "use strict";

  function codePoints(text) {
    return Array.from(text).length;
  }

  function boundaryOffset(body, container, offset) {
    if (!body.contains(container)) {
      // The selection runs past the story: clamp it to the story's edge.
      const before = container.compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING;
      return before ? 0 : codePoints(body.textContent);
    }
    let segment, textBefore;
    if (container.nodeType === Node.TEXT_NODE) {
      segment = container.parentElement.closest("[data-start]");
      textBefore = container.data.slice(0, offset);
    } else if (container === body) {
      const child = body.childNodes[offset];
      segment = child || body.lastElementChild;
      textBefore = child ? "" : (segment ? segment.textContent : "");
    } else {
      segment = container.closest("[data-start]");
      textBefore = offset === 0 ? "" : segment.textContent;
    }
    if (!segment || segment.dataset.start === undefined) return null;
    return Number(segment.dataset.start) + codePoints(textBefore);
  }

  // The selected span as code point offsets and text, trimmed of surrounding white space.
  function selectionSpan(body, range) {
    let start = boundaryOffset(body, range.startContainer, range.startOffset);
    let end = boundaryOffset(body, range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    const text = Array.from(body.textContent);
    while (start < end && /\s/u.test(text[start])) start++;
    while (end > start && /\s/u.test(text[end - 1])) end--;
    if (end <= start) return null;
    return { start: start, end: end, exact: text.slice(start, end).join("") };
  }

  window.NewsdeskOffsets = { boundaryOffset: boundaryOffset, selectionSpan: selectionSpan, codePoints: codePoints };

  let current = null;

  function toolbar() {
    return document.getElementById("selection-toolbar");
  }

  function updateSelection() {
    const body = document.querySelector("[data-article-body]");
    const bar = toolbar();
    if (!body || !bar) return;
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) {
      if (!bar.contains(document.activeElement)) bar.hidden = true;
      return;
    }
    const range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer) && !range.intersectsNode(body)) return;
    const span = selectionSpan(body, range);
    if (!span) return;
    current = span;
    const rect = range.getBoundingClientRect();
    bar.hidden = false;
    bar.style.top = Math.max(0, window.scrollY + rect.top - bar.offsetHeight - 6) + "px";
    bar.style.left = Math.max(0, window.scrollX + rect.left) + "px";
  }

  function openPanel(name) {
    if (!current) return;
    const panel = document.getElementById(name + "-panel");
    if (!panel) return;
    document.querySelectorAll(".annotate-panel").forEach(function (p) { p.hidden = p !== panel; });
    const form = panel.querySelector("form");
    form.elements.start.value = current.start;
    form.elements.end.value = current.end;
    form.elements.exact.value = current.exact;
    panel.querySelectorAll("[data-selected-text]").forEach(function (q) { q.textContent = current.exact; });
    if (name === "mention") {
      form.elements.entity.value = "";
      panel.querySelector("[data-chosen-entity]").hidden = true;
      showNewFields(form.querySelector("[data-new-entity]"), false);
      const query = panel.querySelector("[data-entity-query]");
      query.value = current.exact;
      query.dispatchEvent(new Event("search"));
      query.focus();
    } else {
      form.elements.statement.value = current.exact;
      form.elements.statement.focus();
    }
    toolbar().hidden = true;
    panel.scrollIntoView({ block: "nearest" });
  }

  // The fields of a new entity or source: shown only to create one, emptied when hidden, so a
  // kind chosen earlier never turns a picked or found row into a new one.
  function showNewFields(fields, shown, another) {
    if (!fields) return;
    fields.hidden = !shown;
    const choice = fields.querySelector("[data-create-another-choice]");
    if (choice) {
      choice.hidden = !another;
      choice.querySelector("input[type=checkbox]").checked = Boolean(another);
    }
    if (!shown) fields.querySelectorAll("select, input:not([type=checkbox])").forEach(function (f) { f.value = ""; });
  }

  function newFieldsFor(element) {
    const prefix = element.dataset.target;
    const form = element.closest("form");
    return prefix ? form.querySelector('[data-new-source="' + prefix + '"]') : form.querySelector("[data-new-entity]");
  }

  function pickEntity(button) {
    const form = button.closest("form");
    form.elements.entity.value = button.dataset.pickEntity;
    form.elements.new_entity_name.value = button.dataset.name;
    showNewFields(newFieldsFor(button), false);
    const chosen = form.querySelector("[data-chosen-entity]");
    chosen.querySelector("[data-chosen-entity-name]").textContent = button.dataset.name;
    chosen.hidden = false;
    form.querySelector("button[type=submit]").focus();
  }

  function pickSource(button) {
    const prefix = button.dataset.target;
    const form = button.closest("form");
    form.elements[prefix + "-source"].value = button.dataset.pickSource;
    form.elements[prefix + "-source_query"].value = button.dataset.name;
    showNewFields(newFieldsFor(button), false);
    const list = button.closest(".pick-list");
    if (list) list.textContent = "";
    form.elements[prefix + "-role"].focus();
  }

  // The words last selected in the story become the quote a status change rests on.
  function useQuote(button) {
    if (!current) return;
    const form = button.closest("form");
    form.elements.quote_start.value = current.start;
    form.elements.quote_end.value = current.end;
    form.elements.quote_exact.value = current.exact;
    const shown = form.querySelector("[data-quote-shown]");
    shown.querySelector("[data-quote-text]").textContent = current.exact;
    shown.hidden = false;
  }

  document.addEventListener("selectionchange", function () {
    window.clearTimeout(updateSelection.timer);
    updateSelection.timer = window.setTimeout(updateSelection, 120);
  });

  document.addEventListener("click", function (event) {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.dataset.openPanel) openPanel(target.dataset.openPanel);
    else if (target.dataset.pickEntity) pickEntity(target);
    else if (target.dataset.pickSource) pickSource(target);
    else if (target.hasAttribute("data-create-another")) {
      const fields = newFieldsFor(target);
      showNewFields(fields, true, true);
      fields.querySelector("select").focus();
    }
    else if (target.hasAttribute("data-use-quote")) useQuote(target);
    else if (target.hasAttribute("data-close-panel")) target.closest(".annotate-panel").hidden = true;
    else if (target.hasAttribute("data-add-attribution")) {
      const next = target.closest("fieldset").querySelector("[data-chain-attribution][hidden]");
      if (next) {
        next.hidden = false;
        next.querySelector("input[type=search]").focus();
      }
      if (!target.closest("fieldset").querySelector("[data-chain-attribution][hidden]")) target.hidden = true;
    }
  });

  // Typing a name forgets an entity or source picked earlier.
  document.addEventListener("input", function (event) {
    const data = event.target.dataset || {};
    if (data.sourceQuery) event.target.form.elements[data.sourceQuery + "-source"].value = "";
    if (data.entityQuery !== undefined) {
      event.target.form.elements.entity.value = "";
      event.target.form.querySelector("[data-chosen-entity]").hidden = true;
    }
  });

  // The search's answer to the typed name: a known one (offered first) hides the new fields, none shows them.
  document.addEventListener("htmx:afterSwap", function (event) {
    const list = event.target;
    if (!list.classList || !list.classList.contains("pick-list")) return;
    const form = list.closest("form");
    const prefix = list.id === "entity-results" ? "" : list.id.replace(/-results$/, "");
    const fields = prefix ? form.querySelector('[data-new-source="' + prefix + '"]') : form.querySelector("[data-new-entity]");
    const another = fields && fields.querySelector("[data-create-another-choice] input:checked");
    if (list.querySelector("[data-no-exact-match]")) showNewFields(fields, true);
    else if (list.querySelector("[data-exact-match]") && !another) showNewFields(fields, false);
  });

  document.addEventListener("keydown", function (event) {
    const bar = toolbar();
    if (!bar) return;
    if (event.key === "Escape") bar.hidden = true;
    if (!bar.hidden && event.altKey && event.shiftKey) {
      if (event.code === "KeyE") openPanel("mention");
      if (event.code === "KeyC") openPanel("claim");
    }
  });
})();
