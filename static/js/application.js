// 在线申请: on the start page, show only the part of the form for the chosen way of applying
// ("本人", "经办人", "受托"). Without JavaScript every part stays visible and the server ignores the others.
(function () {
  "use strict";
  var form = document.getElementById("start-form");
  if (!form) {
    return;
  }
  var parts = form.querySelectorAll("fieldset[data-applying-as]");
  var choices = form.querySelectorAll('input[name="applying_as"]');

  function show() {
    var chosen = form.querySelector('input[name="applying_as"]:checked');
    var value = chosen ? chosen.value : "self";
    Array.prototype.forEach.call(parts, function (part) {
      part.hidden = part.getAttribute("data-applying-as") !== value;
    });
  }

  Array.prototype.forEach.call(choices, function (choice) {
    choice.addEventListener("change", show);
  });
  show();
})();

// A form answered with errors: its error summary (tabindex="-1" autofocus) takes the focus, so a
// screen reader reads the list of problems first; this repeats autofocus where a browser ignores it.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (!summary) {
    return;
  }
  if (document.activeElement !== summary) {
    summary.focus();
  }
  // A link to a field puts the cursor in it, not only the page at it.
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field && field.matches("input, select, textarea")) {
      field.focus();
    }
  });
})();
