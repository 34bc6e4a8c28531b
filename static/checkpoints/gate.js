// The gate page as an offline-first PWA. Each registration gets a client-made UUID and goes into a queue
// in localStorage first; the queue is sent to the batch API whenever the network allows, and a replay of
// the same UUID is answered "duplicate" by the server, so nothing is ever stored twice.
(function () {
  "use strict";
  var QUEUE_KEY = "fangkong.gate.queue";
  var root = document.getElementById("gate");
  var form = document.getElementById("gate-form");
  if (!root || !form) return;
  var resultBox = document.getElementById("gate-result");
  var queueBox = document.getElementById("gate-queue");
  var sending = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); }

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function label(name) { return root.getAttribute("data-" + name) || name; }

  function show(kind, text, detail) {
    resultBox.className = "alert fs-5 " + (kind === "pass" ? "alert-success" : kind === "info" ? "alert-info" : "alert-danger");
    resultBox.textContent = text;
    if (detail) {
      var small = document.createElement("div");
      small.className = "small";
      small.textContent = detail;
      resultBox.appendChild(small);
    }
  }

  function showQueue() {
    var n = load().length;
    queueBox.textContent = n ? label("label-queued") + " " + n : "";
  }

  function itemFromForm() {
    var data = new FormData(form);
    var lookup = String(data.get("lookup") || "").replace(/[\s-]/g, "");
    var item = {
      client_id: String(data.get("client_id") || uuid()),
      checkpoint_id: Number(root.getAttribute("data-checkpoint")),
      direction: data.get("direction") || "in",
      occurred_at: new Date().toISOString()
    };
    if (/^1\d{10}$/.test(lookup)) item.phone = lookup; else item.document_number = lookup;
    ["temperature", "health_code", "itinerary_code", "vaccination", "latest_test_on", "name", "vehicle_plate",
     "passengers", "came_from", "reason", "destination"].forEach(function (name) {
      var value = data.get(name);
      if (value !== null && String(value).trim() !== "") item[name] = String(value).trim();
    });
    return item;
  }

  function report(result, mine) {
    if (result.client_id !== mine) return;
    if (result.status === "rejected") {
      var messages = [];
      Object.keys(result.errors || {}).forEach(function (k) { messages = messages.concat(result.errors[k]); });
      show("error", label("label-rejected"), messages.join(" "));
    } else if (result.status === "duplicate") {
      show("info", label("label-duplicate"));
    } else if (result.alert) {
      show("alert", label("step-" + result.alert.next_step.replace(/_/g, "-")), (result.alert.reasons || []).join(", "));
    } else {
      show("pass", label("step-pass"), label("label-synced"));
    }
  }

  function sync(mine) {
    var queue = load();
    if (!queue.length || sending) { showQueue(); return; }
    sending = true;
    var batch = queue.slice(0, 1000);
    fetch(root.getAttribute("data-batch-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ items: batch, source: "gate" })
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (body) {
      var done = {};
      body.results.forEach(function (r) { done[r.client_id] = true; if (mine) report(r, mine); });
      save(load().filter(function (item) { return !done[item.client_id]; }));
    }).catch(function () {
      // Offline or the server is away: the queue stays, the next attempt sends it again.
    }).then(function () {
      sending = false;
      showQueue();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var item = itemFromForm();
    var queue = load();
    queue.push(item);
    save(queue);
    show("info", label("label-queued") + " " + queue.length);
    form.reset();
    form.querySelector("input[name=client_id]").value = uuid();
    document.getElementById("gate-status").textContent = "";
    document.getElementById("id_lookup").focus();
    sync(item.client_id);
  });

  window.addEventListener("online", function () { sync(null); });
  setInterval(function () { sync(null); }, 30000);
  showQueue();
  sync(null);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: root.getAttribute("data-sw-scope") })
      .catch(function () { /* the page still works online without it */ });
  }
})();
