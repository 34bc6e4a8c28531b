/* "Copy" buttons: <button data-fk-copy="INPUT_ID" data-fk-copied="label shown after copying">. */
(function () {
  "use strict";

  function copyFrom(button) {
    var input = document.getElementById(button.dataset.fkCopy);
    if (!input) { return; }
    input.focus();
    input.select();
    var done = function () {
      if (button.dataset.fkCopied) { button.textContent = button.dataset.fkCopied; }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      // Closed networks often serve plain http, where the Clipboard API is unavailable.
      done();
    }
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-fk-copy]");
    if (button) { copyFrom(button); }
  });
  document.querySelectorAll("input[data-fk-select]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
})();
