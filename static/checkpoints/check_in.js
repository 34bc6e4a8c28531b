// Self check-in: a returning phone is remembered on the device (name and ID/phone in localStorage only).
(function () {
  "use strict";
  var KEY = "fangkong.checkin.me";
  var form = document.getElementById("check-in-form");
  if (!form) return;
  var name = form.querySelector("input[name=name]");
  var lookup = form.querySelector("input[name=lookup]");
  var clientId = form.querySelector("input[name=client_id]");
  // One id per opened page: a second tap on "Register" is the same registration.
  if (clientId && !clientId.value && window.crypto && crypto.randomUUID) clientId.value = crypto.randomUUID();
  try {
    var me = JSON.parse(localStorage.getItem(KEY) || "null");
    if (me && name && !name.value) name.value = me.name || "";
    if (me && lookup && !lookup.value) lookup.value = me.lookup || "";
  } catch (e) { /* nothing remembered */ }
  form.addEventListener("submit", function () {
    try { localStorage.setItem(KEY, JSON.stringify({ name: name.value, lookup: lookup.value })); } catch (e) { /* private mode */ }
  });
})();
