// 好差评: show only the options of the chosen level (without JS every level's options are listed).
(function () {
  "use strict";
  var groups = document.querySelectorAll("[data-rating-options] .rating-option-group");
  var radios = document.querySelectorAll('input[name="level"]');
  if (!groups.length || !radios.length) return;
  function show() {
    var chosen = document.querySelector('input[name="level"]:checked');
    groups.forEach(function (group) {
      var match = chosen && group.getAttribute("data-level") === chosen.value;
      group.hidden = !match;
      if (!match) group.querySelectorAll("input").forEach(function (box) { box.checked = false; });
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", show); });
  show();
  var errors = document.getElementById("rating-errors");
  if (errors) errors.focus();
})();
