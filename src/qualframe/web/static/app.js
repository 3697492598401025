// qualframe: keep open pages in step with the project, and show refusals.
// Polls /revision; when another tab or team member has changed the project, the main
// region is fetched again, unless the person is half-way through typing or selecting.
(function () {
  "use strict";
  var known = null;
  var POLL_MS = 2000;

  function remember(response) {
    var header = response && response.headers && response.headers.get("X-Qualframe-Revision");
    if (header) { known = Number(header); }
  }

  function busy() {
    var main = document.getElementById("main");
    if (!main) { return true; }
    var fields = main.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden" || f.type === "search" || f.dataset.live === "ignore") { continue; }
      if (f.tagName === "SELECT") {
        for (var k = 0; k < f.options.length; k++) {
          if (f.options[k].selected !== f.options[k].defaultSelected) { return true; }
        }
        continue;
      }
      if ((f.type === "checkbox" || f.type === "radio") && f.checked !== f.defaultChecked) { return true; }
      if (f.type !== "checkbox" && f.type !== "radio" && f.value !== f.defaultValue) { return true; }
    }
    var selection = window.getSelection();
    if (selection && !selection.isCollapsed && main.contains(selection.anchorNode)) { return true; }
    return document.body.dataset.busy === "yes";
  }

  function refresh() {
    fetch(window.location.href, { headers: { "X-Qualframe-Refresh": "1" }, credentials: "same-origin" })
      .then(function (response) { remember(response); return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        var main = document.getElementById("main");
        if (!fresh || !main || busy()) { return; }
        var focused = document.activeElement && document.activeElement.id;
        main.innerHTML = fresh.innerHTML;
        if (window.htmx) { window.htmx.process(main); }
        if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
        document.dispatchEvent(new CustomEvent("qualframe:refreshed"));
      });
  }

  function poll() {
    fetch("/revision", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (known === null) { known = data.revision; return; }
        if (data.revision > known && !busy()) { known = data.revision; refresh(); }
      })
      .catch(function () { /* server stopped: try again at the next tick */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail.xhr;
      if (xhr) {
        var header = xhr.getResponseHeader("X-Qualframe-Revision");
        if (header) { known = Number(header); }
        if (xhr.status < 400 && event.detail.target && event.detail.target.id !== "messages") {
          var messages = document.getElementById("messages");
          if (messages && !xhr.getResponseHeader("HX-Retarget")) { messages.innerHTML = ""; }
        }
      }
    });
    window.qualframe = { remember: remember, refresh: refresh, csrf: document.body.dataset.csrf };
    poll();
    window.setInterval(poll, POLL_MS);
  });
})();
