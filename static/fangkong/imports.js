// Upload form: the issuer and issue date only mean something for push lists.
(function () {
  "use strict";
  function sync(form) {
    var kind = form.querySelector("select[name=kind]");
    var block = form.querySelector("[data-pushlist-only]");
    if (!kind || !block) { return; }
    block.hidden = kind.value !== "pushlist";
  }
  document.querySelectorAll("form[data-import-upload]").forEach(function (form) {
    sync(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") { sync(form); }
    });
  });
})();
