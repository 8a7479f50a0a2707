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
})();
