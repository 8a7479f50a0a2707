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
    // htmx binds the hx- attributes of swapped-in content only as it settles, a moment after the
    // swap: a panel opened in that moment must not send its search to a field not yet bound.
    if (window.htmx) htmx.process(panel);
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
    followKind(form, prefix, button.dataset.kind);
    form.elements[prefix + "-role"].focus();
  }

  // An unnamed source is sourced anonymously: picking one (or giving a new source that kind)
  // sets its link's sourcing, which the editor can still change.
  function followKind(form, prefix, kind) {
    const sourcing = form.elements[prefix + "-sourcing"];
    if (sourcing && kind === "anonymous") sourcing.value = "anonymous";
  }

  document.addEventListener("change", function (event) {
    const match = event.target.name && event.target.name.match(/^(.*)-new_source_kind$/);
    if (match) followKind(event.target.form, match[1], event.target.value);
  });

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
    window.clearTimeout(updateReviewSelection.timer);
    updateReviewSelection.timer = window.setTimeout(updateReviewSelection, 120);
  });

  // The review queue: words selected in an item's current text become that item's new place.
  function updateReviewSelection() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    const node = range.commonAncestorContainer;
    const text = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest("[data-review-text]");
    if (!text) return;
    const span = selectionSpan(text, range);
    const form = text.closest("[data-review-place]").querySelector("form");
    if (!span || !form) return;
    form.elements.start.value = span.start;
    form.elements.end.value = span.end;
    form.elements.exact.value = span.exact;
    form.querySelector("[data-review-selected]").textContent = span.exact;
    form.querySelector("[data-review-place-button]").disabled = false;
  }

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
        // A link after the first one relays the statement, unless the editor says otherwise.
        const role = next.querySelector('select[name$="-role"]');
        if (role && role.value === "speaker") role.value = "via";
        next.querySelector("input[type=search]").focus();
      }
      if (!target.closest("fieldset").querySelector("[data-chain-attribution][hidden]")) target.hidden = true;
    }
  });

  // Typing a name forgets an entity or source picked earlier, and the matches of what was typed
  // before (the search answers the new name in a moment), so Tab or Enter never takes a stale one.
  document.addEventListener("input", function (event) {
    const data = event.target.dataset || {};
    if (data.sourceQuery || data.entityQuery !== undefined) {
      const list = resultsOf(event.target);
      if (list) list.textContent = "";
    }
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
    if (enterWhenFound && resultsOf(enterWhenFound) === list) {
      const input = enterWhenFound;
      enterWhenFound = null;
      if (document.activeElement === input) takeFirstMatch(input, list);
    }
  });


  // ---- The reading cursor: the story from the keyboard, no caret browsing needed ----
  //
  // The cursor is the document's own selection inside the story, moved by words and sentences
  // as Intl.Segmenter finds them in the story's language; a bar shows where it stands. Its
  // positions are UTF-16 indices into the story's text, as the DOM counts; a selection made with
  // it is an ordinary selection, so the toolbar and the offsets above treat it like a mouse's.

  // The text the cursor keys work in: the story's, or, in the review queue, the text of the
  // item whose "Select the words anew" has the focus.
  function storyBody() {
    const active = document.activeElement;
    const review = active && active.closest ? active.closest("[data-review-text]") : null;
    return review || document.querySelector("[data-article-body]");
  }

  let units = null; // the story's words, sentences and paragraphs, found once per story text

  function unitsOf(body) {
    const text = body.textContent;
    if (units && units.body === body && units.text === text) return units;
    const lang = body.getAttribute("lang") || undefined;
    const spans = function (granularity, keep) {
      if (window.Intl && Intl.Segmenter) {
        return Array.from(new Intl.Segmenter(lang, { granularity: granularity }).segment(text))
          .filter(keep).map(function (s) { return [s.index, s.index + s.segment.length]; });
      }
      const pattern = granularity === "word" ? /[\p{L}\p{N}\p{M}'’-]+/gu : /[^.!?。！？]+[.!?。！？]*\s*/gu;
      return Array.from(text.matchAll(pattern)).map(function (m) { return [m.index, m.index + m[0].length]; });
    };
    const trimmed = function (list) {
      return list.map(function (span) {
        let end = span[1];
        while (end > span[0] && /\s/u.test(text[end - 1])) end--;
        return [span[0], end];
      }).filter(function (span) { return span[1] > span[0]; });
    };
    const paragraphs = [];
    const breaks = /\n[^\S\n]*\n\s*/g;
    let at = 0, found;
    while ((found = breaks.exec(text))) {
      if (found.index > at) paragraphs.push([at, found.index]);
      at = found.index + found[0].length;
    }
    if (at < text.length) paragraphs.push([at, text.length]);
    units = {
      body: body, text: text, paragraphs: paragraphs,
      words: spans("word", function (s) { return s.isWordLike; }),
      sentences: trimmed(spans("sentence", function () { return true; })),
    };
    return units;
  }

  // The text node and offset at a UTF-16 index of the story's text.
  function domPoint(body, index) {
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    let seen = 0, last = null;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (index < seen + node.data.length) return [node, index - seen];
      seen += node.data.length;
      last = node;
    }
    return last ? [last, last.data.length] : [body, 0];
  }

  function textIndex(body, node, offset) {
    const range = document.createRange();
    range.selectNodeContents(body);
    try { range.setEnd(node, offset); } catch (e) { return 0; }
    return range.toString().length;
  }

  let cursor = { anchor: 0, focus: 0 }; // where the reading cursor last stood in the story

  function readCursor(body) {
    const selection = window.getSelection();
    if (selection.rangeCount && body.contains(selection.anchorNode) && body.contains(selection.focusNode)) {
      cursor = { anchor: textIndex(body, selection.anchorNode, selection.anchorOffset), focus: textIndex(body, selection.focusNode, selection.focusOffset) };
    }
    return cursor;
  }

  function placeCursor(body, anchor, focus) {
    const length = body.textContent.length;
    anchor = Math.max(0, Math.min(anchor, length));
    focus = Math.max(0, Math.min(focus, length));
    cursor = { anchor: anchor, focus: focus };
    const selection = window.getSelection();
    const a = domPoint(body, anchor), f = domPoint(body, focus);
    selection.setBaseAndExtent(a[0], a[1], f[0], f[1]);
    showCursorBar(body);
    if (anchor !== focus) updateSelection();
    else if (toolbar()) toolbar().hidden = true;
  }

  function cursorBar() {
    let bar = document.getElementById("reading-cursor");
    if (!bar) {
      bar = document.createElement("span");
      bar.id = "reading-cursor";
      bar.className = "reading-cursor";
      bar.setAttribute("aria-hidden", "true");
      document.body.append(bar);
    }
    return bar;
  }

  function showCursorBar(body) {
    const bar = cursorBar();
    if (document.activeElement !== body) { bar.hidden = true; return; }
    const text = body.textContent;
    const point = domPoint(body, cursor.focus);
    const range = document.createRange();
    range.setStart(point[0], point[1]);
    let rect = range.getBoundingClientRect(), atEnd = false;
    if (!rect.height && cursor.focus < text.length) {
      const next = domPoint(body, cursor.focus + 1);
      range.setEnd(next[0], next[1]);
      rect = range.getClientRects()[0] || range.getBoundingClientRect();
    } else if (!rect.height && cursor.focus > 0) {
      const before = domPoint(body, cursor.focus - 1);
      range.setStart(before[0], before[1]);
      range.setEnd(point[0], point[1]);
      const rects = range.getClientRects();
      rect = rects[rects.length - 1] || range.getBoundingClientRect();
      atEnd = true;
    }
    if (!rect || !rect.height) { bar.hidden = true; return; }
    bar.hidden = false;
    bar.style.top = window.scrollY + rect.top + "px";
    bar.style.left = window.scrollX + (atEnd ? rect.right : rect.left) - 1 + "px";
    bar.style.height = rect.height + "px";
    const view = bar.getBoundingClientRect();
    if (view.top < 0 || view.bottom > window.innerHeight) bar.scrollIntoView({ block: "center" });
  }

  // Where a key takes the moving end of the selection: words and sentences forward stop at the
  // next start when moving and at the next end when selecting, so a selection holds whole words.
  function target(u, at, key, extend) {
    const list = key === "word" ? u.words : key === "sentence" ? u.sentences : u.paragraphs;
    return {
      forward: function () {
        for (const span of list) {
          if (extend ? span[1] > at : span[0] > at) return extend ? span[1] : span[0];
        }
        return u.text.length;
      },
      backward: function () {
        for (let i = list.length - 1; i >= 0; i--) {
          if (list[i][0] < at) return list[i][0];
        }
        return 0;
      },
      home: function () {
        for (const span of list) if (span[0] <= at && at <= span[1]) return span[0];
        return at;
      },
      end: function () {
        for (const span of list) if (span[0] <= at && at <= span[1]) return span[1];
        return at;
      },
    };
  }

  const MOVES = {
    ArrowRight: ["word", "forward"], ArrowLeft: ["word", "backward"],
    ArrowDown: ["sentence", "forward"], ArrowUp: ["sentence", "backward"],
    Home: ["paragraph", "home"], End: ["paragraph", "end"],
  };

  function moveCursor(body, event) {
    let move = MOVES[event.key];
    if (!move || event.altKey || event.ctrlKey || event.metaKey) return false;
    if (body.getAttribute("dir") === "rtl" && move[0] === "word") move = ["word", move[1] === "forward" ? "backward" : "forward"];
    const u = unitsOf(body);
    const at = readCursor(body);
    const to = target(u, at.focus, move[0], event.shiftKey)[move[1]]();
    if (event.shiftKey) placeCursor(body, at.anchor, to);
    else placeCursor(body, to, to);
    return true;
  }

  function isField(element) {
    return element && (/^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName) || element.isContentEditable);
  }

  // Back to the story, the cursor where it was (Esc from a panel or a claim card).
  function backToStory() {
    const body = storyBody();
    if (!body) return;
    body.focus({ preventScroll: true });
    placeCursor(body, cursor.anchor, cursor.focus);
  }

  function firstPick(list) {
    return list ? list.querySelector("button.pick") : null;
  }

  // Enter in a name field: the first match offered, or, with none, on to the new one's kind.
  let enterWhenFound = null;

  function takeFirstMatch(input, list) {
    const pick = firstPick(list);
    if (pick) pick.click();
    else {
      const data = input.dataset;
      const fields = data.entityQuery !== undefined ? input.form.querySelector("[data-new-entity]") : input.form.querySelector('[data-new-source="' + data.sourceQuery + '"]');
      if (fields && !fields.hidden) fields.querySelector("select").focus();
    }
  }

  function resultsOf(input) {
    return input.dataset.entityQuery !== undefined ? document.getElementById("entity-results")
      : document.getElementById(input.dataset.sourceQuery + "-results");
  }

  document.addEventListener("focusin", function (event) {
    const body = storyBody();
    if (body && event.target === body) {
      readCursor(body);
      showCursorBar(body);
    }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target === storyBody()) cursorBar().hidden = true;
  });
  document.addEventListener("mouseup", function () {
    const body = storyBody();
    if (body) window.setTimeout(function () { readCursor(body); showCursorBar(body); }, 0);
  });

  document.addEventListener("keydown", function (event) {
    const body = storyBody();
    const active = document.activeElement;
    const dialog = document.getElementById("keys-dialog");
    if (dialog && dialog.open) return; // the dialog closes itself on Esc
    if (event.key === "?" && !isField(active)) {
      event.preventDefault();
      if (dialog) dialog.showModal();
      return;
    }
    if (event.altKey && event.shiftKey && (event.code === "KeyE" || event.code === "KeyC")) {
      updateSelection();
      const selection = window.getSelection();
      const range = selection.rangeCount ? selection.getRangeAt(0) : null;
      if (body && range && !selection.isCollapsed && current && range.intersectsNode(body)) {
        event.preventDefault();
        if (body.contains(selection.anchorNode)) readCursor(body);
        openPanel(event.code === "KeyE" ? "mention" : "claim");
      }
      return;
    }
    if (body && active === body) {
      if (moveCursor(body, event)) { event.preventDefault(); return; }
      if (event.key === "Escape") {
        placeCursor(body, cursor.focus, cursor.focus);
        return;
      }
    }
    if (!active || !active.closest) return;
    // In a name field: Enter takes the first match offered (never sends the whole form); Down
    // goes into the matches, Up and Down go through them.
    const data = active.dataset || {};
    if (active.tagName === "INPUT" && (data.entityQuery !== undefined || data.sourceQuery)) {
      const list = resultsOf(active);
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        if (active.value.trim() && !list.childElementCount) {
          enterWhenFound = active; // taken when the search answers; asked again in case it was not on its way
          active.dispatchEvent(new Event("search"));
        }
        else takeFirstMatch(active, list);
        return;
      }
      if (event.key === "ArrowDown" && firstPick(list)) {
        event.preventDefault();
        firstPick(list).focus();
        return;
      }
    }
    if (active.classList.contains("pick") && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const picks = Array.from(active.closest(".pick-list").querySelectorAll("button.pick"));
      const i = picks.indexOf(active) + (event.key === "ArrowDown" ? 1 : -1);
      if (i >= 0 && i < picks.length) picks[i].focus();
      else if (i < 0) active.closest("form").querySelector('[data-entity-query], [data-source-query="' + active.dataset.target + '"]').focus();
      return;
    }
    if (event.key === "Escape" && active.closest("#workspace-main, #workspace-header") && !isField(active) || event.key === "Escape" && active.closest(".annotate-panel")) {
      const panel = active.closest(".annotate-panel");
      if (panel) panel.hidden = true;
      event.preventDefault();
      backToStory();
    }
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-open-keys")) document.getElementById("keys-dialog").showModal();
    if (button.hasAttribute("data-close-dialog")) button.closest("dialog").close();
  });

  // The item an update just made gets the focus: the story, its cursor after a new tag, or the
  // new claim's card.
  document.addEventListener("htmx:afterSwap", function (event) {
    const main = document.getElementById("workspace-main");
    if (!main || !main.contains(event.target) && event.target !== main) return;
    const made = main.dataset.justMade;
    if (!made) return;
    delete main.dataset.justMade;
    const parts = made.split(":");
    const body = storyBody();
    if (parts[0] === "mention" && body) {
      const marks = Array.from(body.querySelectorAll("mark[data-mentions]")).filter(function (m) {
        return m.dataset.mentions.split(" ").indexOf(parts[1]) >= 0;
      });
      const last = marks[marks.length - 1];
      body.focus({ preventScroll: true });
      if (last) {
        const end = textIndex(body, last, last.childNodes.length);
        placeCursor(body, end, end);
      } else placeCursor(body, cursor.focus, cursor.focus);
      window.NewsdeskFocus.handled();
    } else if (parts[0] === "claim") {
      const card = document.getElementById("claim-" + parts[1]);
      if (card) {
        card.focus();
        window.NewsdeskFocus.handled();
      }
    }
  });
})();
