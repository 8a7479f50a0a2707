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
    return {
      id: element.id, tag: element.tagName, name: element.getAttribute("name"), value: element.value,
      text: (element.textContent || "").trim(), label: element.getAttribute("aria-label"),
      action: form ? form.getAttribute("action") : null, ancestors: ancestors,
    };
  }

  function findAgain(key) {
    if (key.id && document.getElementById(key.id)) return document.getElementById(key.id);
    for (const id of key.ancestors) {
      const within = document.getElementById(id);
      if (!within) continue;
      const candidates = Array.from(within.querySelectorAll(key.tag)).filter(function (c) {
        const form = c.form || c.closest("form");
        return (form ? form.getAttribute("action") : null) === key.action && c.getAttribute("name") === key.name
          && (key.tag !== "BUTTON" || (c.value === key.value && c.textContent.trim() === key.text && c.getAttribute("aria-label") === key.label));
      });
      const errors = within.querySelector(".form-errors, .error, [role=alert]");
      if (errors && candidates.length) return errors;
      if (candidates.length) return candidates[0];
      if (errors) return errors;
      return within;
    }
    return null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    handled = false;
    pending = lastFocused && target && target.contains(lastFocused) ? describe(lastFocused) : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!pending) return;
    const key = pending;
    pending = null;
    window.setTimeout(function () {
      const active = document.activeElement;
      if (handled || (active && active !== document.body && active.isConnected)) return;
      const element = findAgain(key);
      if (!element) return;
      if (element.tabIndex < 0 && !element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
      element.focus({ preventScroll: false });
    }, 0);
  });
  window.NewsdeskFocus = { handled: function () { handled = true; } };
})();
