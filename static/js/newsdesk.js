// On every page: when an htmx request fails (the server answers 5xx, or nobody answers), say
// so in a banner. Nothing on the page is swapped, so what the editor typed stays where it is.
(function () {
  "use strict";

  function banner() {
    return document.getElementById("request-error");
  }

  function show(key) {
    const box = banner();
    if (!box) return;
    const text = box.getAttribute("data-message-" + key) || box.getAttribute("data-message-5xx");
    box.querySelector("[data-request-error-text]").textContent = text;
    box.hidden = false;
  }

  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    if (status === 503 || status === 403 || status === 413 || status === 429) show(String(status));
    else if (status >= 500) show("5xx");
  });
  document.addEventListener("htmx:sendError", function () { show("network"); });
  document.addEventListener("htmx:timeout", function () { show("network"); });
  document.addEventListener("htmx:afterRequest", function (event) {
    const box = banner();
    if (box && event.detail.successful) box.hidden = true;
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-dismiss-request-error]")) banner().hidden = true;
  });

  // Focus stays where the editor was across an htmx update: the control they were on, found
  // again in the new content by its id or by its form and name, else the closest part of the
  // page that survived (a card, a panel). A form answered with its errors gets the focus on
  // them. A page's own script may put the focus elsewhere first (NewsdeskFocus.handled()).
  let lastFocused = null, pending = null, handled = false;
  document.addEventListener("focusin", function (event) { lastFocused = event.target; });

  function describe(element) {
    const form = element.form || element.closest("form");
    const ancestors = [];
    for (let up = element.parentElement; up; up = up.parentElement) if (up.id) ancestors.push(up.id);
    // The same kind of control in the list items beside this one's: where the focus goes when
    // this one's item is gone (a tag removed, a suggestion taken), the next one first.
    const item = element.closest("li");
    const neighbours = [];
    if (item) {
      for (const beside of [item.nextElementSibling, item.previousElementSibling]) {
        const control = beside && beside.querySelector(element.tagName);
        if (control) neighbours.push({ tag: control.tagName, label: control.getAttribute("aria-label"), text: (control.textContent || "").trim() });
      }
    }
    return {
      id: element.id, tag: element.tagName, name: element.getAttribute("name"), value: element.value,
      text: (element.textContent || "").trim(), label: element.getAttribute("aria-label"),
      action: form ? form.getAttribute("action") : null, ancestors: ancestors, neighbours: neighbours,
    };
  }

  function visible(element) {
    // checkVisibility() also knows the inside of a closed <details>, which still has boxes.
    return element.checkVisibility ? element.checkVisibility() : element.getClientRects().length > 0;
  }

  // Where the focus may go, best first: the same control (by id, or by its form and name), the
  // reasons a refused form came back with, else the closest part of the page that survived.
  function placesFor(key, refused) {
    const places = [];
    const same = key.id && document.getElementById(key.id);
    if (same && !refused) places.push(same);
    for (const id of key.ancestors) {
      const within = document.getElementById(id);
      if (!within) continue;
      if (refused) places.push(...within.querySelectorAll(".form-errors, .error, .errorlist, [role=alert]"));
      if (same && within.contains(same)) places.push(same);
      places.push(...Array.from(within.querySelectorAll(key.tag)).filter(function (c) {
        const form = c.form || c.closest("form");
        return (form ? form.getAttribute("action") : null) === key.action && c.getAttribute("name") === key.name
          && (key.tag !== "BUTTON" || (c.value === key.value && c.textContent.trim() === key.text && c.getAttribute("aria-label") === key.label));
      }));
      for (const beside of key.neighbours) {
        places.push(...Array.from(within.querySelectorAll(beside.tag)).filter(function (c) {
          return c.getAttribute("aria-label") === beside.label && (c.textContent || "").trim() === beside.text;
        }));
      }
      places.push(within);
    }
    return places.filter(visible);
  }

  function focusOn(element) {
    if (element.tabIndex < 0 && !element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
    element.focus();
    return document.activeElement === element;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    handled = false;
    pending = lastFocused && target && target.contains(lastFocused) ? describe(lastFocused) : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!pending) return;
    const key = pending;
    pending = null;
    // A refused form (409, 422) came back with its reasons: they get the focus, even where
    // htmx kept it on a field of the same id.
    const refused = event.detail.xhr && (event.detail.xhr.status === 409 || event.detail.xhr.status === 422);
    window.setTimeout(function () {
      const active = document.activeElement;
      if (handled || (!refused && active && active !== document.body && active.isConnected)) return;
      placesFor(key, refused).some(focusOn);
    }, 0);
  });
  window.NewsdeskFocus = { handled: function () { handled = true; } };

  // Ctrl+Enter (Cmd+Enter) sends the form one is in, on every page.
  document.addEventListener("keydown", function (event) {
    const field = event.target;
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || !field.form || !field.closest("main")) return;
    event.preventDefault();
    const form = field.form;
    form.requestSubmit(form.querySelector("button[type=submit], input[type=submit]") || undefined);
  });
})();
