// The alert list refreshes itself every 30 seconds (hx-trigger="every 30s" on [data-fk-refresh]).
// The refresh asks for the address in the location bar, which the filters and pager keep current,
// and is skipped while someone is typing a closing note, so the note is not wiped out.
(function () {
  "use strict";

  function refreshing(event) {
    var box = event.detail && event.detail.elt;
    return box && box.hasAttribute && box.hasAttribute("data-fk-refresh") ? box : null;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (refreshing(event)) {
      event.detail.path = window.location.pathname + window.location.search;
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = refreshing(event);
    if (!box) {
      return;
    }
    var active = document.activeElement;
    var typing = active && box.contains(active) && active.tagName === "INPUT";
    var filled = Array.prototype.some.call(box.querySelectorAll("input[name=note]"), function (input) {
      return input.value.trim() !== "";
    });
    if (typing || filled) {
      event.preventDefault();
    }
  });
})();
