// Revealing a masked party field (people/_reveal.html): the reason form posts with htmx and the
// answer replaces the field. Loaded as a file (no inline script) so a strict Content-Security-Policy
// can forbid inline code. Without JavaScript the form still posts and a small page shows the answer.
(function () {
  "use strict";
  if (window.concordRevealBound) return;
  window.concordRevealBound = true;

  var swapped = null;

  // htmx does not swap error responses by default; a 422 carries the reason form with its error.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("reveal")) return;
    swapped = target.id;
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Keep the keyboard where the answer is: the invalid reason, or the revealed value.
  document.addEventListener("htmx:afterSettle", function () {
    if (!swapped) return;
    var box = document.getElementById(swapped);
    swapped = null;
    if (!box) return;
    var invalid = box.querySelector("input[aria-invalid=true]");
    var value = box.querySelector("[data-testid=revealed-value]");
    if (invalid) {
      invalid.focus();
    } else if (value) {
      value.setAttribute("tabindex", "-1");
      value.focus();
    }
  });
})();
