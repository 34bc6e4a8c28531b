// The gate page as an offline-first PWA. Each registration gets a client-made UUID and goes into a queue
// in localStorage first; the queue is sent to the batch API whenever the network allows, and a replay of
// the same UUID is answered "duplicate" by the server, so nothing is ever stored twice.
// Only a network failure or a server-side problem (5xx, or 401/403/408/429: signed out, busy) leaves an item
// queued for the next attempt. An item the server refuses (a per-item "rejected", or a 4xx for the batch)
// would be refused again on every resend, so it is parked: kept on the phone and shown with the server's
// message, until staff dismiss it.
(function () {
  "use strict";
  var QUEUE_KEY = "fangkong.gate.queue";
  var PARKED_KEY = "fangkong.gate.parked";
  var RETRY_STATUSES = [401, 403, 408, 429];
  var root = document.getElementById("gate");
  var form = document.getElementById("gate-form");
  if (!root || !form) return;
  var resultBox = document.getElementById("gate-result");
  var queueBox = document.getElementById("gate-queue");
  var parkedBox = document.getElementById("gate-parked");
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
  function loadParked() {
    try { return JSON.parse(localStorage.getItem(PARKED_KEY) || "[]"); } catch (e) { return []; }
  }
  function park(item, message) {
    var parked = loadParked();
    parked.push({ item: item, message: message, at: new Date().toISOString() });
    localStorage.setItem(PARKED_KEY, JSON.stringify(parked));
  }
  function unpark(clientId) {
    var parked = loadParked().filter(function (p) { return p.item.client_id !== clientId; });
    localStorage.setItem(PARKED_KEY, JSON.stringify(parked));
    showParked();
  }
  function messagesOf(errors) {
    var messages = [];
    Object.keys(errors || {}).forEach(function (k) { messages = messages.concat(errors[k]); });
    return messages.join(" ");
  }

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

  function showParked() {
    var parked = loadParked();
    parkedBox.hidden = !parked.length;
    var list = parkedBox.querySelector("ul");
    list.textContent = "";
    parked.forEach(function (p) {
      var li = document.createElement("li");
      li.className = "list-group-item d-flex gap-2 align-items-start";
      var text = document.createElement("div");
      text.className = "flex-grow-1 small";
      var who = p.item.name || p.item.document_number || p.item.phone || "";
      var when = String(p.item.occurred_at || p.at).slice(0, 16).replace("T", " ");
      text.textContent = when + " · " + who + " — " + p.message;
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "btn btn-sm btn-outline-secondary";
      dismiss.textContent = label("label-dismiss");
      dismiss.addEventListener("click", function () { unpark(p.item.client_id); });
      li.appendChild(text);
      li.appendChild(dismiss);
      list.appendChild(li);
    });
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
      show("error", label("label-rejected"), messagesOf(result.errors));
    } else if (result.status === "duplicate") {
      show("info", label("label-duplicate"));
    } else if (result.alert) {
      show("alert", label("step-" + result.alert.next_step.replace(/_/g, "-")), (result.alert.reasons || []).join(", "));
    } else {
      show("pass", label("step-pass"), label("label-synced"));
    }
  }

  // Sends items; resolves once each is answered (done, or parked) and rejects when they must be retried.
  function send(items, mine) {
    return fetch(root.getAttribute("data-batch-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ items: items, source: "gate" })
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (body) {
          body.results.forEach(function (r) {
            if (r.status === "rejected") {
              var item = items.filter(function (i) { return i.client_id === r.client_id; })[0];
              if (item) park(item, messagesOf(r.errors));
            }
            if (mine) report(r, mine);
          });
          return items.map(function (i) { return i.client_id; });
        });
      }
      if (response.status >= 500 || RETRY_STATUSES.indexOf(response.status) >= 0) {
        throw new Error("HTTP " + response.status);
      }
      // Refused as a whole: halve the batch until the one item the server refuses is alone, and park it.
      if (items.length > 1) {
        var half = Math.ceil(items.length / 2);
        return send(items.slice(0, half), mine).then(function (first) {
          return send(items.slice(half), mine).then(function (second) { return first.concat(second); });
        });
      }
      return response.json().catch(function () { return {}; }).then(function (body) {
        var message = [String(body.message || ""), messagesOf(body.errors)].join(" ").trim();
        message = message || label("label-refused") + " " + response.status;
        park(items[0], message);
        if (mine === items[0].client_id) show("error", label("label-rejected"), message);
        return [items[0].client_id];
      });
    });
  }

  function sync(mine) {
    var queue = load();
    if (!queue.length || sending) { showQueue(); return; }
    sending = true;
    var batch = queue.slice(0, 1000);
    send(batch, mine).then(function (answered) {
      var done = {};
      answered.forEach(function (id) { done[id] = true; });
      save(load().filter(function (item) { return !done[item.client_id]; }));
    }).catch(function () {
      // Offline or the server is away: the queue stays, the next attempt sends it again.
    }).then(function () {
      sending = false;
      showQueue();
      showParked();
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
  showParked();
  sync(null);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: root.getAttribute("data-sw-scope") })
      .catch(function () { /* the page still works online without it */ });
  }
})();
