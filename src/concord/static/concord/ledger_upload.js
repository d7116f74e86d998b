// The ledger import form: an upload progress bar, then on to the result page.
// Loaded as a file (no inline script) so a strict Content-Security-Policy can forbid inline code.
// Without JavaScript the form still posts normally; only the progress bar is missing.
(function () {
  "use strict";

  function bind(form) {
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    var button = form.querySelector("[type=submit]");
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData || !bar) return;
      event.preventDefault();
      var action = new URL(form.getAttribute("action") || "", window.location.href).href;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.max = e.total;
          bar.value = e.loaded;
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server works through the rows
        status.textContent = status.dataset.checking;
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== action) {
          window.location.assign(xhr.responseURL); // redirected to the result page
          return;
        }
        var fresh = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (fresh && main) {
          main.replaceWith(fresh);
          var again = fresh.querySelector("form[data-ledger-upload]");
          if (again) bind(again);
        } else {
          failed();
        }
      });
      xhr.addEventListener("error", failed);
      function failed() {
        bar.hidden = true;
        button.disabled = false;
        status.textContent = status.dataset.failed;
      }
      bar.hidden = false;
      bar.value = 0;
      button.disabled = true;
      status.textContent = status.dataset.uploading;
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("form[data-ledger-upload]").forEach(bind);
})();
