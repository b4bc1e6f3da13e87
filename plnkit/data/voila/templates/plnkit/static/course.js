/* The course page's own script (no dependencies, nothing from other hosts).
 *
 * 1. Connection: watches the page's kernel websocket. When the kernel dies or restarts, or the connection is
 *    gone for 3 seconds, it shows a banner (role="alert") and marks every exercise with unsaved text
 *    "Not saved", so no status line keeps saying "Saved" for text typed since. A page whose footer has not
 *    been filled in (plnkit-loaded) 30 seconds after it was drawn says so too, with the same reload button (as
 *    does a page whose widgets never arrived, "Loading widget..." 30 seconds after the page came); a
 *    page with a part the widget manager could not build, or with parts still "Loading widget..." 10 seconds
 *    after the last one came while its kernel is connected, reloads itself once. While the browser is offline, a
 *    quieter notice (role="status") says typing is safe, and a field typed in says "Not saved yet" until the
 *    server has its text; a server that stops answering without closing the connection (frozen, overloaded, a
 *    connection stalled after a laptop slept: nothing heard from the kernel 15 seconds after a keystroke or a
 *    button press) gets the same kind of note and notice. A widget's event (a button pressed) waits for the changes made before it, so the
 *    kernel acts on what the page shows. A page whose sign-in has stopped (its link reissued) says so across
 *    its top.
 * 2. Drafts: text typed in a free-text answer (a field with the class plnkit-draft) is kept in localStorage
 *    under the learner's scope and the answer key until the server confirms it (the field's plnkit-saved-<hash>
 *    class matches). After a reload, unsaved text is offered back; any other page of the course says, below its
 *    header, which pages hold text of this learner's that waits to be put back.
 * 3. Sign-out: fills the form's _xsrf value from this browser's cookie.
 * 4. Uploads: a file larger than the exercise's limit (class plnkit-max-<bytes>) is refused before sending.
 * 5. Keyboard: each radio group is one native group named by its statement (one Tab stop, arrows stay inside
 *    it), the headers of collapsible sections are buttons a keyboard can reach and press, and a table wider
 *    than the screen is a Tab stop whose arrow keys scroll it.
 */
(function () {
  "use strict";
  var DRAFTS = "plnkit:draft:";
  var VIEW = Date.now().toString(36) + Math.random().toString(36).slice(2); // this page view (drafts it wrote)
  var GRACE_MS = 3000;
  var lost = false;
  var unloading = false;
  var openChannels = 0;

  // --- helpers -----------------------------------------------------------------------------------------
  function hash(text) { // FNV-1a over UTF-16 code units; the same as plnkit.widgets._controls.text_hash
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return ("0000000" + h.toString(16)).slice(-8);
  }
  function classValue(el, prefix) {
    for (var i = 0; i < el.classList.length; i++) {
      if (el.classList[i].indexOf(prefix) === 0) { return el.classList[i].slice(prefix.length); }
    }
    return null;
  }
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function readDraft(key) {
    var s = storage();
    try { return s ? JSON.parse(s.getItem(key) || "null") : null; } catch (e) { return null; }
  }
  function writeDraft(key, draft) {
    var s = storage();
    try { if (s) { if (draft) { s.setItem(key, JSON.stringify(draft)); } else { s.removeItem(key); } } } catch (e) { /* full or off */ }
  }
  // Text offered back ("Put it back" / "Discard it") waits in a slot of its own, OFFERED after the field's draft
  // key, until the learner chooses: typing in the box meanwhile writes the field's draft as usual and never
  // replaces what is offered (a trial lost a closed tab's paragraph that way: typing first took the offer away).
  var OFFERED = "|offered";
  function offered(f) { // the drafts offered for field f, oldest first
    var kept = readDraft(f.store + OFFERED);
    return Array.isArray(kept) ? kept.filter(function (d) { return d && typeof d.text === "string"; }) : [];
  }
  function keepOffered(f, drafts) { writeDraft(f.store + OFFERED, drafts.length ? drafts : null); }
  function setAside(f, draft) { // to offer back later (once per text)
    keepOffered(f, offered(f).filter(function (d) { return d.text !== draft.text; }).concat([draft]));
  }
  // Two tabs of one page share a field's draft. Before this page writes its own, text another tab wrote there and
  // the server is not known to have (both tabs offline, say) is set aside to offer back, not overwritten; this
  // page's own earlier text, set aside so by another tab, goes once this page writes or saves newer text.
  function keepOtherTabsText(f) {
    var other = readDraft(f.store);
    if (other && typeof other.text === "string" && other.view !== VIEW && hash(other.text) !== f.saved &&
        other.text !== f.input.value) { setAside(f, other); }
  }
  function dropOwnSetAside(f) {
    var kept = offered(f), others = kept.filter(function (d) { return d.view !== VIEW; });
    if (others.length !== kept.length) { keepOffered(f, others); }
  }
  function field(el) { // el: an element with class plnkit-draft
    var key = classValue(el, "plnkit-k-");
    var input = el.querySelector("textarea, input[type=text], input:not([type])");
    if (!key || !input) { return null; }
    return { el: el, input: input, saved: classValue(el, "plnkit-saved-"),
             store: DRAFTS + (classValue(el, "plnkit-s-") || "") + ":" + key };
  }
  function statusOf(el) {
    var box = el.closest(".plnkit-exercise");
    return box ? box.querySelector(".plnkit-status") : null;
  }
  function say(el, text, kind) { // kind: the span's class (default plnkit-status-error)
    var status = statusOf(el);
    if (!status) { return; }
    var span = document.createElement("span");
    span.className = kind || "plnkit-status-error";
    span.setAttribute("role", "status");
    span.textContent = text;
    var target = status.querySelector(".widget-html-content") || status;
    target.textContent = "";
    target.appendChild(span);
  }
  // Offline, a status line must not keep saying "Saved at ..." over text typed since: it says the text is not
  // saved yet. Once the server holds the field's text (its plnkit-saved-<hash> class matches, checked in scan),
  // the line the server last wrote comes back, unless the server has already written a new one over this.
  // A field saved by its button (a post, a plan: plnkit-draft-by-button), not as typed, is never saved on its
  // own: offline it says so, and the note goes when the connection is back.
  var OFFLINE_NOT_SAVED = "Not saved yet: you're offline. Your text is kept in this browser and saved once the " +
    "connection is back.";
  var OFFLINE_BY_BUTTON = "You're offline. Your text is kept in this browser: once the connection is back, save " +
    "or send it with its button as usual.";
  // Online and connected, but the server has not answered for UNANSWERED_MS (a server frozen or overloaded, a
  // connection stalled without closing, as after a laptop sleeps): the same kind of note, and a quiet banner.
  var UNANSWERED_MS = 15000;
  var heardAt = 0; // when the kernel's connection last brought a message (any: a save refused is an answer too)
  var askedAt = 0; // the first keystroke in a field since then (each one is sent to the kernel, which answers)
  var pressedAt = 0; // the first button press (any widget event) sent since then: the kernel answers it too
  var UNANSWERED_NOT_SAVED = "Not saved yet: the course isn't answering. Your text is kept in this browser and " +
    "saved once it answers.";
  function sayOffline(el, text) {
    var status = statusOf(el);
    if (!status) { return; }
    var target = status.querySelector(".widget-html-content") || status;
    if (!target.querySelector(".plnkit-status-offline")) { target.plnkitBefore = target.innerHTML; }
    say(el, text || (el.classList.contains("plnkit-draft-by-button") ? OFFLINE_BY_BUTTON : OFFLINE_NOT_SAVED),
        "plnkit-status-offline");
  }
  function offlineNotesOfButtonsGone() { // back online: what the status line said before
    document.querySelectorAll(".plnkit-draft-by-button").forEach(function (el) {
      var status = statusOf(el);
      var note = status && status.querySelector(".plnkit-status-offline");
      if (note) { putBack(note); }
    });
  }
  function putBack(note) { // the line the server last wrote, in place of the offline note
    var target = note.parentNode;
    target.innerHTML = typeof target.plnkitBefore === "string" ? target.plnkitBefore : "";
  }
  function offlineNoteSpent(f) { // the server has the text now: show what it last said about it
    var status = statusOf(f.el);
    var note = status && status.querySelector(".plnkit-status-offline");
    if (note && hash(f.input.value) === f.saved) { putBack(note); }
  }
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function when(ms) { // the course's one date format: "29 Nov 2026, 14:02"
    var d = new Date(ms);
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getDate() + " " + MONTHS[d.getMonth()] + " " + d.getFullYear() + ", " + two(d.getHours()) + ":" +
      two(d.getMinutes());
  }
  var NOT_SAVED = "Not saved: this page has lost its connection. Your text is kept in this browser; reload the page to continue.";

  // --- 1. connection -----------------------------------------------------------------------------------
  function decode(data) { // a kernel message's channel, type and content, or null
    try {
      if (typeof data === "string") {
        if (data.length > 20000) { return null; }
        var m = JSON.parse(data);
        return { channel: m.channel, type: m.header && m.header.msg_type, content: m.content };
      }
      if (data instanceof ArrayBuffer && data.byteLength < 20000 && data.byteLength > 16) {
        var view = new DataView(data);
        var n = view.getUint32(0, true);
        if (n < 6 || n > 64 || 8 * (n + 1) > data.byteLength) { return null; }
        var offsets = [];
        for (var i = 0; i < n; i++) { offsets.push(view.getUint32(8 + 8 * i, true)); }
        var text = new TextDecoder();
        var part = function (k) { return text.decode(new Uint8Array(data, offsets[k], offsets[k + 1] - offsets[k])); };
        return { channel: part(0), type: JSON.parse(part(1)).msg_type, content: JSON.parse(part(4)) };
      }
    } catch (e) { /* not a message we need */ }
    return null;
  }
  // A widget's event (a button pressed, Enter in a text box: ipywidgets sends it at once, as a "custom" comm
  // message) must not reach the kernel before the changes the learner made just before it. ipywidgets holds a
  // widget's next change back until the kernel has answered its previous one (its _msg_buffer), so a button
  // pressed right after quick arrow keys on a rating, or Enter right after fast typing, overtook the last
  // choices: the kernel saved what the page no longer showed. Such an event now waits until no widget holds a
  // change back (those go out as soon as the kernel answers), then goes out, in order; at most 10 s.
  function heldBack() { // true while some widget keeps a change it has not sent yet
    var app = window.jupyterapp;
    var models = app && app.widgetManager && app.widgetManager._modelsSync;
    if (!models || typeof models.forEach !== "function") { return false; }
    var waiting = false;
    models.forEach(function (model) { if (model && model._msg_buffer) { waiting = true; } });
    return waiting;
  }
  function isWidgetEvent(data) {
    var msg = decode(data);
    return !!(msg && msg.type === "comm_msg" && msg.content && msg.content.data &&
              msg.content.data.method === "custom");
  }
  function keepOrder(ws) {
    var send = ws.send, queue = [], since = 0;
    function flush() {
      if (queue.length && heldBack() && Date.now() - since < 10000 && ws.readyState === 1) {
        setTimeout(flush, 10);
        return;
      }
      var ready = queue;
      queue = [];
      ready.forEach(function (data) { send.call(ws, data); });
    }
    ws.send = function (data) {
      var event = isWidgetEvent(data);
      if (event && pressedAt <= heardAt) { pressedAt = Date.now(); }
      if (event && (queue.length || heldBack())) {
        if (!queue.length) { since = Date.now(); setTimeout(flush, 10); }
        queue.push(data);
        return;
      }
      return send.call(ws, data);
    };
  }
  function watch(ws) {
    keepOrder(ws);
    var opened = false;
    ws.addEventListener("open", function () { opened = true; everConnected = true; openChannels += 1; });
    ws.addEventListener("close", function () {
      if (opened) { openChannels -= 1; }
      if (unloading) { return; }
      setTimeout(function () { if (!unloading && openChannels <= 0) { markLost(); } }, GRACE_MS);
    });
    ws.addEventListener("message", function (event) {
      heardAt = Date.now();
      var msg = decode(event.data);
      if (msg && msg.channel === "iopub" && msg.type === "status" && msg.content &&
          (msg.content.execution_state === "restarting" || msg.content.execution_state === "dead")) {
        markLost();
      }
    });
  }
  var NativeWebSocket = window.WebSocket;
  function WatchedWebSocket(url, protocols) {
    var ws = arguments.length > 1 ? new NativeWebSocket(url, protocols) : new NativeWebSocket(url);
    if (/\/channels(\?|$)/.test(String(url))) { watch(ws); }
    return ws;
  }
  WatchedWebSocket.prototype = NativeWebSocket.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { WatchedWebSocket[k] = NativeWebSocket[k]; });
  window.WebSocket = WatchedWebSocket;
  window.addEventListener("pagehide", function () { unloading = true; });
  window.addEventListener("beforeunload", function () { unloading = true; });
  // A page left before it connected to its kernel (reloaded or closed while loading) shuts that kernel down
  // as it goes: Voila's own shutdown on leaving is set up only once all its scripts have run, and until then
  // such a kernel kept one of the participant's places for minutes, so a few quick reloads could fill them all.
  var everConnected = false;
  // Both shutdowns carry the server's _xsrf cookie. plnkit serve sets it with the page; inside a Jupyter server
  // (Binder, JupyterHub) nothing does, so every closed tab's kernel stayed: plnkit's extension sets it on asking.
  function askForXsrfCookie() { // once the page's configuration is in the document
    var config = document.getElementById("jupyter-config-data");
    if (!config || !window.fetch || /(?:^|;\s*)_xsrf=/.test(document.cookie)) { return; }
    try {
      var base = JSON.parse(config.textContent).baseUrl || "/";
      window.fetch(base + "plnkit/xsrf", { credentials: "same-origin", cache: "no-store" }).catch(function () {});
    } catch (e) { /* Voila's culler ends the kernel instead */ }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", askForXsrfCookie); }
  else { askForXsrfCookie(); }
  window.addEventListener("pagehide", function () {
    var config = document.getElementById("jupyter-config-data");
    if (everConnected || !config || !window.fetch) { return; }
    try {
      var data = JSON.parse(config.textContent);
      var xsrf = (document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/) || [])[1];
      if (!data.kernelId || !xsrf) { return; }
      window.fetch((data.baseUrl || "/") + "voila/api/shutdown/" + encodeURIComponent(data.kernelId), {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: { "X-XSRFToken": decodeURIComponent(xsrf) }
      }).catch(function () {});
    } catch (e) { /* nothing to release */ }
  });

  // A banner across the top of the page: a bold first sentence, the rest, and a reload button. A quiet one
  // (quiet: true) is a notice, not an alarm: role="status", its own look, and no button; noReload: an alarm
  // that a reload would not mend (this page's sign-in has stopped: its participant needs their new link).
  function banner(id, title, text, quiet, noReload) {
    if (document.getElementById(id)) { return; }
    var box = document.createElement("div");
    box.id = id;
    box.className = quiet ? "plnkit-offline" : "plnkit-lost";
    box.setAttribute("role", quiet ? "status" : "alert");
    var p = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = title;
    p.appendChild(strong);
    p.appendChild(document.createTextNode(" " + text + " "));
    if (!quiet && !noReload) {
      var reload = document.createElement("button");
      reload.type = "button";
      reload.textContent = "Reload the page";
      reload.addEventListener("click", function () { window.location.reload(); });
      p.appendChild(reload);
    }
    box.appendChild(p);
    document.body.insertBefore(box, document.body.firstChild);
    makeRoom();
  }
  // A banner is fixed across the top of the window: the page moves down by its height, so it covers nothing.
  var BANNERS = ["plnkit-lost", "plnkit-offline", "plnkit-stalled", "plnkit-signed-out", "plnkit-unanswered"];
  function makeRoom() {
    var height = 0;
    BANNERS.forEach(function (id) {
      var box = document.getElementById(id);
      if (box) { height = Math.max(height, box.offsetHeight); }
    });
    if (height) { document.body.style.setProperty("padding-top", height + "px", "important"); }
    else { document.body.style.removeProperty("padding-top"); }
  }
  function dismiss(id) {
    var box = document.getElementById(id);
    if (box) { box.remove(); makeRoom(); }
  }
  window.addEventListener("resize", makeRoom);

  function markLost() {
    if (lost) { return; }
    lost = true;
    ["plnkit-stalled", "plnkit-offline", "plnkit-unanswered"].forEach(dismiss);
    banner("plnkit-lost", "This page has lost its connection to the course.", "What you type now is not " +
      "saved on the server, but your unsaved text is kept in this browser. Reload the page to continue: " +
      "it will offer your text back.");
    document.querySelectorAll(".plnkit-draft").forEach(function (el) {
      var f = field(el);
      if (f && hash(f.input.value) !== f.saved) { say(el, NOT_SAVED); }
    });
  }

  // Offline (the browser says so: Wi-Fi dropped, a laptop waking from sleep): a notice, not an alarm. Text typed
  // now stays in the box and in this browser's drafts; once the browser is back online the notice goes, and the
  // kernel connection, if it survived, sends what was typed (if it didn't, the lost-connection banner says so).
  function offline() {
    if (!lost) {
      banner("plnkit-offline", "You're offline.", "Keep typing if you like: your text stays on this page and in " +
        "this browser, and is saved once the connection is back.", true);
    }
  }
  window.addEventListener("offline", offline);
  window.addEventListener("online", function () {
    dismiss("plnkit-offline");
    offlineNotesOfButtonsGone();
    later();
  });

  // A page is drawn first and shows the learner's own work once its kernel has read it (the footer, loaded
  // last, then carries plnkit-loaded). Should that never happen, the page says so instead of staying empty.
  // A part the widget manager could not build ("Error displaying widget: model not found": the browser made its
  // copies of the page's widgets while the kernel was changing them, which a loaded server can make happen)
  // never comes back by waiting, so the page reloads itself at once, once (drafts are kept in this browser and
  // offered back); if that happens again within HEAL_AGAIN_MS it says so instead of reloading in a loop.
  var STALLED_MS = 30000;
  var HEAL_KEY = "plnkit:reloaded:" + location.pathname;
  var HEAL_AGAIN_MS = 120000;
  var drawnAt = null;
  function stalledBanner() {
    banner("plnkit-stalled", "This page hasn't finished showing your work.", "Nothing you saved is lost, " +
      "and unsaved text is kept in this browser. Reload the page to try again.");
  }
  function brokenPart() { // a widget output the manager gave up on
    var nodes = document.querySelectorAll(".jupyter-widgets");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].childElementCount === 0 && /^Error displaying widget/.test(nodes[i].textContent)) { return true; }
    }
    return false;
  }
  function reloadOnce() { // true when the page is reloading
    var s = null;
    try { s = window.sessionStorage; } catch (e) { s = null; }
    if (!s) { return false; }  // no way to tell a second time from the first: never risk a loop
    try {
      var last = Number(s.getItem(HEAL_KEY) || 0);
      if (Date.now() - last < HEAL_AGAIN_MS) { return false; }
      s.setItem(HEAL_KEY, String(Date.now()));
    } catch (e) { return false; }
    unloading = true;
    window.location.reload();
    return true;
  }
  // A page whose widgets never reach it (its kernel never answered the browser) shows only its text, with
  // "Loading widget..." where each exercise goes: after STALLED_MS it says so too (any Voila page: the
  // facilitator's has no footer).
  var waitingSince = null;
  // Parts still "Loading widget..." while the kernel is connected and has sent the page's widgets, with none of
  // them drawn for STUCK_MS, will not come by waiting either: CI saw a page with all 201 models and 16 of its 173
  // views never drawn, the footer among them, its kernel connected and idle. Such a page also reloads itself,
  // once, and first says in the console which parts were stuck and what the widget manager held for them.
  var STUCK_MS = 10000;
  var stuckSince = null, stuckCount = 0;
  var outputModels = [];  // [the element a widget output is drawn into, its model id], read before Voila draws
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').forEach(function (el) {
      try {
        var view = JSON.parse(el.textContent).data["application/vnd.jupyter.widget-view+json"];
        if (view && view.model_id && el.parentElement) { outputModels.push([el.parentElement, view.model_id]); }
      } catch (e) { /* not a widget's output */ }
    });
  });
  function widgetManager() {
    return (window.jupyterapp && window.jupyterapp.widgetManager) || null;
  }
  function kernelAnswered() { // the kernel is connected and the manager has models from it
    var manager = widgetManager(), kernel = manager && manager.kernel, models = manager && manager._modelsSync;
    return !!(kernel && kernel.connectionStatus === "connected" && models && models.size > 0);
  }
  function waitingOutputs() { // the outputs still saying "Loading widget..." (the widget renderer's words)
    return Array.prototype.filter.call(document.querySelectorAll(".jp-OutputArea-output"), function (out) {
      return out.textContent.trim() === "Loading widget...";
    });
  }
  function stuckParts() { // what the console says about the parts still "Loading widget..."
    var manager = widgetManager(), models = manager && manager._models, made = manager && manager._modelsSync;
    var said = [];
    waitingOutputs().forEach(function (out) {
      var id = null;
      outputModels.forEach(function (pair) { if (pair[0].contains(out)) { id = pair[1]; } });
      said.push(id === null ? "a part whose model is unknown" : id + (!models ? "" : !models[id] ?
        " (never registered)" : made && made.has(id) ? " (made)" : " (still being made)"));
    });
    return said.length + " part(s) still loading, the widget manager " + (manager && manager.restoredStatus ?
      "restored" : "not restored") + ": " + said.join(", ");
  }
  var loadedAt = null;
  var WATCH_AFTER_LOADED_MS = 10000;  // the manager reports a part it can't build once it has built the rest
  var stallWatch = setInterval(function () {
    if (lost) { return; }
    if (brokenPart()) {
      clearInterval(stallWatch);
      if (!reloadOnce()) { stalledBanner(); }
      return;
    }
    var waiting = kernelAnswered() ? waitingOutputs().length : 0;
    if (waiting > 0) {
      if (stuckSince === null || waiting !== stuckCount) { stuckSince = Date.now(); stuckCount = waiting; }
      if (Date.now() - stuckSince > STUCK_MS) {
        clearInterval(stallWatch);
        if (window.console) { console.warn("plnkit: this page reloads itself: " + stuckParts()); }
        if (!reloadOnce()) { stalledBanner(); }
        return;
      }
    } else {
      stuckSince = null;
    }
    if (document.querySelector(".plnkit-footer.plnkit-loaded")) {
      dismiss("plnkit-stalled");
      if (loadedAt === null) { loadedAt = Date.now(); }
      if (Date.now() - loadedAt > WATCH_AFTER_LOADED_MS && stuckSince === null) { clearInterval(stallWatch); }
      return;
    }
    if (!document.querySelector(".plnkit-footer")) {  // still being drawn, not a course page, or its widgets
      if (document.readyState !== "complete" || !waitingOutputs().length) {  // or its widgets never came
        waitingSince = null;
        return;
      }
      if (waitingSince === null) { waitingSince = Date.now(); }
      if (Date.now() - waitingSince > STALLED_MS) { stalledBanner(); }
      return;
    }
    if (drawnAt === null) { drawnAt = Date.now(); }
    if (Date.now() - drawnAt > STALLED_MS) { stalledBanner(); }
  }, 1000);

  setInterval(function () { // text the server hasn't confirmed UNANSWERED_MS after it was typed
    if (lost || unloading || navigator.onLine === false) { return; }
    var waiting = false;
    document.querySelectorAll(".plnkit-draft:not(.plnkit-draft-by-button)").forEach(function (el) {
      var f = field(el);
      if (!f || !el.plnkitTypedAt) { return; }
      if (hash(f.input.value) === f.saved) { el.plnkitTypedAt = null; return; }
      if (Date.now() - el.plnkitTypedAt < UNANSWERED_MS || heardAt >= askedAt ||
          Date.now() - askedAt < UNANSWERED_MS) { return; }
      waiting = true;
      var status = statusOf(el);
      if (!(status && status.querySelector(".plnkit-status-offline"))) { sayOffline(el, UNANSWERED_NOT_SAVED); }
    });
    // A button pressed with nothing heard since (a press the learner is waiting on: "nothing happened"): the same.
    if (pressedAt > heardAt && Date.now() - pressedAt >= UNANSWERED_MS) { waiting = true; }
    if (waiting) {
      banner("plnkit-unanswered", "The course isn't answering right now.", "Keep typing if you like: your text " +
        "stays on this page and in this browser, and is saved once it answers, as is what you pressed. If this " +
        "lasts, reload the page: it will offer your text back.", true);
    } else { dismiss("plnkit-unanswered"); }
  }, 2000);

  // --- 2. drafts ---------------------------------------------------------------------------------------
  document.addEventListener("input", function (event) {
    var el = event.target && event.target.closest ? event.target.closest(".plnkit-draft") : null;
    var f = el && field(el);
    if (!f) { return; }
    keepOtherTabsText(f);
    dropOwnSetAside(f);
    if (hash(f.input.value) === f.saved) { writeDraft(f.store, null); el.plnkitTypedAt = null; }
    else {
      writeDraft(f.store, { text: f.input.value, at: Date.now(), page: location.pathname, view: VIEW });
      if (!el.plnkitTypedAt) { el.plnkitTypedAt = Date.now(); } // the oldest change the server hasn't confirmed
      if (askedAt <= heardAt) { askedAt = Date.now(); }
    }
    if (lost) { say(el, NOT_SAVED); }
    else if (navigator.onLine === false && hash(f.input.value) !== f.saved) { sayOffline(el); }
  }, true);
  document.addEventListener("click", function (event) {
    if (!lost) { return; }
    var button = event.target && event.target.closest ? event.target.closest(".plnkit-exercise button") : null;
    if (button) { say(button, "Not done: this page has lost its connection. Reload the page to continue."); }
  }, true);

  function offer(f, draft) {
    var box = document.createElement("div");
    box.className = "plnkit-draft-offer";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Unsaved text from earlier");
    box.setAttribute("aria-live", "polite");
    var intro = document.createElement("p");
    intro.textContent = "You typed this here" + (draft.at ? " on " + when(draft.at) : "") +
      ", but it isn't saved on the course server. Putting it back replaces what the box holds now (saved text " +
      "stays under \u201cSaved versions\u201d):";
    var quote = document.createElement("blockquote");
    quote.textContent = draft.text.length > 400 ? draft.text.slice(0, 400) + "…" : draft.text;
    var put = document.createElement("button");
    put.type = "button";
    put.textContent = "Put it back";
    var drop = document.createElement("button");
    drop.type = "button";
    drop.textContent = "Discard it";
    function settled() { // chosen: no longer offered, here or after a reload
      keepOffered(f, offered(f).filter(function (d) { return d.text !== draft.text; }));
      box.remove();
      f.input.focus();
    }
    put.addEventListener("click", function () {
      var now = f.input.value;
      if (now.trim() && now !== draft.text && hash(now) !== f.saved) { // typed here, not saved yet: offered in turn
        var replaced = { text: now, at: Date.now(), page: location.pathname, view: VIEW + ":replaced" };
        setAside(f, replaced);
        offer(f, replaced);
      }
      f.input.value = draft.text;
      f.input.dispatchEvent(new Event("input", { bubbles: true }));
      f.input.dispatchEvent(new Event("change", { bubbles: true }));
      settled();
    });
    drop.addEventListener("click", settled);
    box.plnkitText = draft.text;
    box.appendChild(intro);
    box.appendChild(quote);
    box.appendChild(put);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(drop);
    var after = f.el;
    while (after.nextSibling && after.nextSibling.classList &&
           after.nextSibling.classList.contains("plnkit-draft-offer")) { after = after.nextSibling; }
    after.parentNode.insertBefore(box, after.nextSibling);
  }
  // An exercise said this page's sign-in has stopped (its link was reissued, the workshop closed: the kernel
  // marks the message plnkit-signed-out): nothing more is saved from the page, so it says so across the top too,
  // for a learner reading or typing elsewhere on the page. What they type still stays in this browser. Once no
  // part of the page says so any more (the workshop reopened: the kernel takes its marks away), the banner goes.
  function signedOut() {
    var said = document.querySelector(".plnkit-signed-out");
    var shown = document.getElementById("plnkit-signed-out");
    if (!said) { if (shown) { dismiss("plnkit-signed-out"); } return; }
    if (!shown) { banner("plnkit-signed-out", "This page has stopped saving.", said.textContent.trim(), false, true); }
  }
  function scan() {
    signedOut();
    draftsElsewhere();
    document.querySelectorAll(".plnkit-draft").forEach(function (el) {
      var f = field(el);
      if (!f) { return; }
      var first = !el.hasAttribute("data-plnkit-seen"); // just rendered: its value is what the server holds
      el.setAttribute("data-plnkit-seen", "1");
      offlineNoteSpent(f);
      if (hash(f.input.value) === f.saved) { dropOwnSetAside(f); }
      var draft = readDraft(f.store);
      if (draft && typeof draft.text === "string") {
        // The server has it; or, typed on this very page, the server then set the field to what it holds (a post
        // sent and its box emptied): the draft is spent either way. A draft from an earlier page view is offered.
        if (hash(draft.text) === f.saved || (first && draft.text === f.input.value) ||
            (draft.view === VIEW && hash(f.input.value) === f.saved)) {
          writeDraft(f.store, null);
        } else if (first && draft.view !== VIEW) {
          keepOffered(f, offered(f).filter(function (d) { return d.text !== draft.text; }).concat([draft]));
          writeDraft(f.store, null);
        }
      }
      // An offered text the server now holds (typed again, or put back and saved) is offered no more.
      var kept = offered(f), still = kept.filter(function (d) { return hash(d.text) !== f.saved; });
      if (still.length !== kept.length) { keepOffered(f, still); }
      var boxes = [], next = el.nextSibling;
      while (next && next.classList && next.classList.contains("plnkit-draft-offer")) {
        boxes.push(next);
        next = next.nextSibling;
      }
      boxes.forEach(function (box) {
        if (!still.some(function (d) { return d.text === box.plnkitText; })) { box.remove(); }
      });
      if (first && !lost) { still.forEach(function (d) { offer(f, d); }); }
    });
  }
  // Text kept in this browser for another page of the course (typed there, never saved: the page's link was
  // replaced, the laptop slept, the tab closed) is mentioned below this page's header, with a link to that page,
  // which offers it back. Only drafts of this learner (this page's scope) and only addresses on this server.
  var elsewhereShown = false;
  function draftsElsewhere() {
    if (elsewhereShown) { return; }
    var mine = document.querySelector(".plnkit-draft");
    var scope = mine && classValue(mine, "plnkit-s-");
    var head = document.querySelector(".plnkit-header");
    var s = storage();
    if (!scope || !head || !s || !document.querySelector(".plnkit-footer.plnkit-loaded")) { return; }
    elsewhereShown = true;
    var prefix = DRAFTS + scope + ":", pages = {};
    try {
      for (var i = 0; i < s.length; i++) {
        var key = s.key(i);
        if (!key || key.indexOf(prefix) !== 0) { continue; }
        var kept = readDraft(key);
        (Array.isArray(kept) ? kept : [kept]).forEach(function (draft) { // an offered slot holds a list
          if (!draft || typeof draft.text !== "string" || !draft.text.trim() || typeof draft.page !== "string") {
            return;
          }
          var url = new URL(draft.page, location.href);
          if (url.origin !== location.origin || url.pathname === location.pathname ||
              !/\.ipynb$/.test(url.pathname)) { return; }
          pages[url.pathname] = true;
        });
      }
    } catch (e) { return; }
    var paths = Object.keys(pages);
    if (!paths.length) { return; }
    var box = document.createElement("div");
    box.className = "plnkit-draft-offer plnkit-drafts-elsewhere";
    box.setAttribute("role", "note");
    var p = document.createElement("p");
    p.appendChild(document.createTextNode("Text you typed on " + (paths.length > 1 ? "other pages" : "another page") +
      " is kept in this browser but isn't saved on the course server yet. Open " +
      (paths.length > 1 ? "each page" : "it") + " to put it back: "));
    var last = "";
    paths.forEach(function (path, n) {
      var file = path.split("/").pop();
      var links = Array.prototype.filter.call(document.querySelectorAll("a[href]"), function (a) {
        return a.origin === location.origin && a.pathname === path && a.textContent.trim();
      });
      // The module's own name ("Module 1: Why create a PLN?", as the start page lists it) over a way there
      // ("Begin: ...", "Next: ..."); either link keeps what the page's links carry (a personal link's token).
      var named = links.filter(function (a) { return /^Module \d/.test(a.textContent.trim()); })[0] || links[0];
      var link = document.createElement("a");
      link.href = named ? named.href : path;
      link.textContent = named ? named.textContent.trim().replace(/^[←→\s]+|[←→\s]+$/g, "")
        .replace(/^(Previous|Next|Begin): /, "") : file;
      if (n) { p.appendChild(document.createTextNode(", ")); }
      p.appendChild(link);
      last = link.textContent;
    });
    p.appendChild(document.createTextNode(/[.?!]$/.test(last) ? "" : "."));
    box.appendChild(p);
    var after = head.closest(".jupyter-widgets") || head;
    after.parentNode.insertBefore(box, after.nextSibling);
  }
  var pending = null;
  function later() {
    if (pending === null) { pending = setTimeout(function () { pending = null; scan(); }, 150); }
  }
  function start() {
    new MutationObserver(later).observe(document.body, { subtree: true, childList: true, attributes: true,
                                                        attributeFilter: ["class"] });
    later();
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }

  // --- 3. the sign-out form carries this browser's _xsrf value (the server checks it) -----------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.classList || !form.classList.contains("plnkit-signout")) { return; }
    var match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    form.querySelector("input[name=_xsrf]").value = match ? decodeURIComponent(match[1]) : "";
  }, true);

  // --- 4. upload sizes ---------------------------------------------------------------------------------
  var uploadHost = null;
  document.addEventListener("click", function (event) {
    var host = event.target && event.target.closest ? event.target.closest(".widget-upload") : null;
    if (host && classValue(host, "plnkit-max-")) {
      uploadHost = host;
      setTimeout(function () { uploadHost = null; }, 0);
    }
  }, true);
  var nativeClick = HTMLInputElement.prototype.click;
  HTMLInputElement.prototype.click = function () {
    if (this.type === "file" && uploadHost) {
      this.plnkitHost = uploadHost;
      if (!this.plnkitWatched) {
        this.plnkitWatched = true;
        this.addEventListener("change", function (event) { // capture at the target runs before the widget's own
          var host = this.plnkitHost;
          var limit = host ? parseInt(classValue(host, "plnkit-max-"), 10) : 0;
          var big = Array.prototype.filter.call(this.files || [], function (file) { return limit && file.size > limit; });
          if (big.length) {
            event.stopImmediatePropagation();
            this.value = "";
            say(host, "That file is " + (big[0].size / 1048576).toFixed(1) + " MB; files here can be at most " +
              Math.floor(limit / 1048576) + " MB, so nothing was sent and nothing changed.");
          }
        }, true);
      }
    }
    return nativeClick.apply(this, arguments);
  };

  // --- 5. keyboard: radio groups and collapsible sections ----------------------------------------------
  // ipywidgets draws RadioButtons as <div class="widget-radio"><label class="widget-label">statement</label>
  // <div class="widget-radio-box"><label>choice<input type="radio"></label>…</div></div>, with no name on the
  // inputs: every radio is its own Tab stop, arrows run on into the next statement (and choose there), and
  // nothing ties the statement to its choices. One shared name per box makes each a native group: one Tab stop
  // (the checked radio; with none checked, the first going forward, the last going back), arrows move and wrap
  // inside it and fire "click", which the widget listens to, so the kernel gets the value. The box becomes a
  // radiogroup named by the statement. ipywidgets rebuilds the inputs whenever the kernel sets the value, so
  // every batch of changes is checked (one query; mutation batches arrive before the next key press) rather
  // than after a timer.
  // Accordion headers (div.jupyter-widget-Collapse-header) get tabindex, role="button", aria-expanded, and
  // Enter or Space, which press them as a click does.
  var groups = 0;
  function nameGroups() {
    document.querySelectorAll(".widget-radio-box").forEach(function (box) {
      var name = box.getAttribute("data-plnkit-group");
      if (!name) {
        groups += 1;
        name = "plnkit-radio-" + groups;
        box.setAttribute("data-plnkit-group", name);
        box.setAttribute("role", "radiogroup");
      }
      box.querySelectorAll("input[type=radio]").forEach(function (input) {
        if (input.name !== name) { input.name = name; }
      });
      var label = box.parentNode ? box.parentNode.querySelector(":scope > .widget-label") : null;
      if (label && label.textContent.trim()) {
        if (!label.id) { label.id = name + "-label"; }
        if (box.getAttribute("aria-labelledby") !== label.id) { box.setAttribute("aria-labelledby", label.id); }
      }
    });
  }
  function syncHeader(header) {
    if (header.getAttribute("tabindex") === null) {
      header.setAttribute("tabindex", "0");
      header.setAttribute("role", "button");
    }
    var open = header.parentNode && header.parentNode.classList.contains("jupyter-widget-Collapse-open");
    if (header.getAttribute("aria-expanded") !== String(!!open)) { header.setAttribute("aria-expanded", String(!!open)); }
  }
  // A table wider than its box (a phone) scrolls sideways inside it: it takes keyboard focus then, so arrow keys
  // scroll it; a table that fits is not a Tab stop.
  function scrollingTables() {
    document.querySelectorAll(".plnkit-table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && table.getAttribute("tabindex") !== "0") { table.setAttribute("tabindex", "0"); }
      if (!scrolls && table.hasAttribute("tabindex")) { table.removeAttribute("tabindex"); }
    });
  }
  window.addEventListener("resize", scrollingTables);
  function keyboardScan() {
    scrollingTables();
    if (document.querySelector(".widget-radio-box:not([role]), .widget-radio-box input[type=radio]:not([name])")) {
      nameGroups();
    }
    document.querySelectorAll(".jupyter-widget-Collapse-header").forEach(syncHeader);
  }
  function header(target) {
    return target && target.closest ? target.closest(".jupyter-widget-Collapse-header") : null;
  }
  document.addEventListener("keydown", function (event) {
    var h = header(event.target);
    if (h && event.target === h && (event.key === "Enter" || event.key === " ") && !event.repeat &&
        !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault(); // Space would scroll the page
      h.click();
    }
  });
  document.addEventListener("click", function (event) { // after the header's own handler has toggled it
    var h = header(event.target);
    if (h) { syncHeader(h); }
  });
  // Run at most every 100 ms, not on every change: while a page's widgets are drawn the DOM changes in many
  // small steps, and each scan measures the tables (a forced layout), which cost module 3 about 0.1 s of the
  // browser's time to interactive when it ran on each one.
  var keyboardPending = null;
  function keyboardLater() {
    if (keyboardPending === null) {
      keyboardPending = setTimeout(function () { keyboardPending = null; keyboardScan(); }, 100);
    }
  }
  function startKeyboard() {
    new MutationObserver(keyboardLater).observe(document.body, { subtree: true, childList: true, attributes: true,
                                                                attributeFilter: ["class"] });
    keyboardScan();
  }
  if (document.body) { startKeyboard(); } else { document.addEventListener("DOMContentLoaded", startKeyboard); }
}());
