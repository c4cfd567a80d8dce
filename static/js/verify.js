// 文书核验 (templates/applications/verify.html): hash the chosen PDF in the browser and compare it
// with the SHA-256 the issuing department keeps. Nothing is uploaded.
(function () {
  "use strict";
  var input = document.getElementById("verify-file");
  var result = document.getElementById("verify-result");
  if (!input || !result) return;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    result.classList.remove("verify-match", "verify-mismatch");
    result.textContent = "";
    if (!file) return;
    if (!window.crypto || !window.crypto.subtle) {
      result.textContent = result.dataset.unsupported;
      return;
    }
    file.arrayBuffer().then(function (buffer) {
      return window.crypto.subtle.digest("SHA-256", buffer);
    }).then(function (digest) {
      var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      var same = hex === input.dataset.expected;
      result.classList.add(same ? "verify-match" : "verify-mismatch");
      result.textContent = same ? result.dataset.match : result.dataset.mismatch;
    }).catch(function () {
      result.textContent = result.dataset.unsupported;
    });
  });
})();
