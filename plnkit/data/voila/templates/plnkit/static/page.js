/* The course's finish on every page (no dependencies; course.js keeps the never-lose-work behaviour):
 * 1. The loading screen names the course and the page ("Personal Learning Networks for Teachers: opening
 *    Module 2 · Stages of PLN adoption (3 of 12)") instead of Voila's "Running 02_stages...".
 * 2. Upload buttons read "Restore my work", not "Restore my work (0)": ipywidgets appends a count of files.
 * 3. One click downloads: a link the course marks data-plnkit-auto (made when the learner pressed a download
 *    button) is followed once, as soon as it appears; it stays on the page in case the browser blocks it.
 */
(function () {
  "use strict";
  var COURSE = "Personal Learning Networks for Teachers";

  // --- 1. the loading screen ---------------------------------------------------------------------------
  function pageName() { return (document.title || "").replace(/\s+—\s+PLN course$/, ""); }
  function loading(index, count) {
    var el = document.getElementById("loading_text");
    if (el) { el.textContent = COURSE + ": opening " + pageName() + (count ? " (" + index + " of " + count + ")" : "") + "…"; }
  }
  // Voila's page defines window.voila_process (and update_loading_text) after this script and calls it as each
  // cell runs: keep ours whatever it assigns.
  try {
    Object.defineProperty(window, "voila_process", { configurable: true, get: function () { return loading; },
                                                     set: function () {} });
  } catch (e) { /* an older page: its own text stays */ }

  // --- 2 and 3: upload counters, one-click downloads -----------------------------------------------------
  var COUNT = /\s*\(\d+\)\s*$/;
  function tidy() {
    document.querySelectorAll(".widget-upload").forEach(function (button) {
      button.childNodes.forEach(function (node) {
        if (node.nodeType === 3 && COUNT.test(node.nodeValue)) { node.nodeValue = node.nodeValue.replace(COUNT, ""); }
      });
    });
    document.querySelectorAll("a.plnkit-download[data-plnkit-auto]").forEach(function (link) {
      link.removeAttribute("data-plnkit-auto");
      link.click();
    });
  }
  var pending = null;
  function later() { if (pending === null) { pending = setTimeout(function () { pending = null; tidy(); }, 100); } }
  // The page arrives in pieces while its cells run (the loading screen first), so watch from the very top of
  // the document, not from DOMContentLoaded (which comes only when the page is ready and the screen gone).
  var named = false;
  new MutationObserver(function () {
    if (!named && document.getElementById("loading_text")) { named = true; loading(0, 0); }
    later();
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
})();
