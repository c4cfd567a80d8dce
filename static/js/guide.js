// 办事指南: when a situation option changes, fetch the same page with the new choices and swap in
// its material list and PDF link. Without JavaScript the form's submit button does the same.
(function () {
  "use strict";
  var form = document.getElementById("situation-form");
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var submit = form.querySelector('button[type="submit"]');
  if (submit) {
    submit.hidden = true;
  }
  var pending = null;

  function replaceById(doc, id) {
    var current = document.getElementById(id);
    var fresh = doc.getElementById(id);
    if (!current || !fresh) {
      throw new Error("missing #" + id);
    }
    current.replaceWith(document.importNode(fresh, true));
  }

  form.addEventListener("change", function () {
    var query = new URLSearchParams(new FormData(form)).toString();
    var url = form.getAttribute("action").split("#")[0] + (query ? "?" + query : "");
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    var list = document.getElementById("material-list");
    list.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", signal: pending.signal })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        replaceById(doc, "material-list");
        replaceById(doc, "guide-pdf-link");
        window.history.replaceState(null, "", url + "#materials");
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          form.submit(); // fall back to a full page load
        }
      })
      .finally(function () {
        var current = document.getElementById("material-list");
        if (current) {
          current.removeAttribute("aria-busy");
        }
      });
  });
})();
