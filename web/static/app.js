// relief pages: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Ask before a plan is cancelled.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.id === "cancel" && !window.confirm(form.querySelector("button").textContent + "?")) {
      event.preventDefault();
    }
  });

  // A submit button is disabled while its form is on its way, so a double click records once
  // (the document number makes a repeat harmless anyway).
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    var button = event.target.querySelector("button[type=submit]");
    if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
  });
})();
