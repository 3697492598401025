// qualframe transcript reader: turn a selection (mouse or keyboard) into character
// offsets, apply a code from the picker, and show, remove or recode existing codings.
// Every text segment carries data-o, its offset in the source's plain text, so a point
// in the page maps back exactly. Handlers are delegated, so they survive live refreshes.
(function () {
  "use strict";
  var pending = null;        // {start, end}: the selection waiting for a code
  var chosenCoding = null;   // the stripe button whose coding is shown in the side panel

  function $(id) { return document.getElementById(id); }
  function transcript() { return $("transcript"); }
  function segs() { return Array.prototype.slice.call(transcript().querySelectorAll(".seg")); }
  function segStart(seg) { return Number(seg.dataset.o); }
  function segEnd(seg) { return segStart(seg) + seg.textContent.length; }

  // --- offsets -------------------------------------------------------------------
  function pointOffset(node, offset, atEnd) {
    var el = node.nodeType === 3 ? node.parentElement : node;
    var seg = el && el.closest ? el.closest(".seg") : null;
    if (seg && node.nodeType === 3) { return segStart(seg) + offset; }
    if (seg) { return offset === 0 ? segStart(seg) : segEnd(seg); }
    // a point between elements: the nearest segment after it (start) or before it (end)
    var probe = document.createRange();
    probe.setStart(node, offset);
    var all = segs();
    if (atEnd) {
      for (var i = all.length - 1; i >= 0; i--) {
        if (probe.comparePoint(all[i], all[i].childNodes.length) >= 0) { continue; }
        return segEnd(all[i]);
      }
      return null;
    }
    for (var j = 0; j < all.length; j++) {
      if (probe.comparePoint(all[j], 0) <= 0) { continue; }
      return segStart(all[j]);
    }
    return null;
  }

  function textBetween(start, end) {
    var parts = [];
    segs().forEach(function (seg) {
      var a = segStart(seg), b = segEnd(seg);
      if (b <= start || a >= end) { return; }
      parts.push(seg.textContent.slice(Math.max(start, a) - a, Math.min(end, b) - a));
    });
    return parts.join("\n");
  }

  function readSelection() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount || !transcript()) { return null; }
    var range = selection.getRangeAt(0);
    if (!transcript().contains(range.commonAncestorContainer)) { return null; }
    var start = pointOffset(range.startContainer, range.startOffset, false);
    var end = pointOffset(range.endContainer, range.endOffset, true);
    if (start === null || end === null || end <= start) { return null; }
    return { start: start, end: end };
  }

  // --- showing the pending selection ---------------------------------------------
  function markActive(start, end) {
    segs().forEach(function (seg) {
      seg.classList.toggle("active", start !== null && segStart(seg) < end && segEnd(seg) > start);
    });
  }

  function setPending(span) {
    pending = span;
    var box = $("selection-box");
    if (!box) { return; }
    box.hidden = !span;
    $("selection-empty").hidden = !!span;
    if (span) {
      var text = textBetween(span.start, span.end);
      $("selection-preview").textContent = text.length > 400 ? text.slice(0, 400) + "…" : text;
      $("selection-span").textContent = "Characters " + span.start + "–" + span.end + " (" + text.split(/\s+/).filter(Boolean).length + " words)";
    }
    markActive(span ? span.start : null, span ? span.end : null);
  }

  // --- keyboard selection: word steps from a focused turn --------------------------
  // Moves an edge of the selection by a word: a start lands on a word's first letter,
  // an end just after a word's last letter.
  function wordStep(position, direction, block, edge) {
    var lo = Number(block.dataset.start), hi = Number(block.dataset.end);
    var text = textBetween(lo, hi);
    var i = position - lo;
    function space(k) { return /\s/.test(text[k]); }
    if (direction > 0 && edge === "end") {
      while (i < text.length && space(i)) { i++; }
      while (i < text.length && !space(i)) { i++; }
    } else if (direction > 0) {
      while (i < text.length && !space(i)) { i++; }
      while (i < text.length && space(i)) { i++; }
    } else if (edge === "end") {
      while (i > 0 && !space(i - 1)) { i--; }
      while (i > 0 && space(i - 1)) { i--; }
    } else {
      while (i > 0 && space(i - 1)) { i--; }
      while (i > 0 && !space(i - 1)) { i--; }
    }
    return lo + Math.max(0, Math.min(text.length, i));
  }

  function blockAt(position) {
    var blocks = transcript().querySelectorAll(".block");
    for (var i = 0; i < blocks.length; i++) {
      if (Number(blocks[i].dataset.start) <= position && position <= Number(blocks[i].dataset.end)) { return blocks[i]; }
    }
    return null;
  }

  function onTranscriptKey(event) {
    var block = event.target.closest && event.target.closest(".block");
    if (!block || event.target !== block) { return; }
    var lo = Number(block.dataset.start), hi = Number(block.dataset.end);
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      window.getSelection().removeAllRanges();
      setPending({ start: lo, end: hi });
    } else if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      event.preventDefault();
      var span = pending || { start: lo, end: lo };
      var direction = event.key === "ArrowRight" ? 1 : -1;
      if (event.altKey) {
        var s = wordStep(span.start, direction, blockAt(span.start) || block, "start");
        if (s < span.end) { span = { start: s, end: span.end }; }
      } else {
        var e = wordStep(span.end, direction, blockAt(Math.max(span.end - 1, span.start)) || block, "end");
        if (e > span.start) { span = { start: span.start, end: e }; }
      }
      window.getSelection().removeAllRanges();
      setPending(span);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var next = event.key === "ArrowDown" ? block.nextElementSibling : block.previousElementSibling;
      if (next && next.classList.contains("block")) { event.preventDefault(); next.focus(); }
    } else if ((event.key === "c" || event.key === "C") && $("code-filter")) {
      event.preventDefault();
      $("code-filter").focus();
    } else if (event.key === "Escape") {
      setPending(null);
    }
  }

  // --- the code picker -----------------------------------------------------------
  function options() {
    return Array.prototype.slice.call(document.querySelectorAll("#code-picker button[data-code]"));
  }
  function visibleOptions() { return options().filter(function (b) { return !b.parentElement.hidden; }); }

  function filterPicker() {
    var query = $("code-filter").value.trim().toLowerCase();
    var exact = false;
    options().forEach(function (button) {
      var path = button.dataset.code.toLowerCase();
      button.parentElement.hidden = query !== "" && path.indexOf(query) === -1;
      if (path === query) { exact = true; }
    });
    var visible = visibleOptions();
    highlight(visible.length ? visible[0] : null);
    var create = $("new-code");
    create.hidden = query === "" || exact;
    create.textContent = "New code “" + $("code-filter").value.trim() + "” and apply";
  }

  function highlight(button) {
    options().forEach(function (b) { b.setAttribute("aria-selected", b === button ? "true" : "false"); });
    if (button) { button.scrollIntoView({ block: "nearest" }); }
  }

  function highlighted() {
    return options().filter(function (b) { return b.getAttribute("aria-selected") === "true" && !b.parentElement.hidden; })[0];
  }

  function onFilterKey(event) {
    var visible = visibleOptions();
    var current = visible.indexOf(highlighted());
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      highlight(visible[Math.max(0, Math.min(visible.length - 1, current + step))] || null);
    } else if (event.key === "Enter") {
      event.preventDefault();
      var button = highlighted();
      if (button) { choose(button.dataset.code, false); }
      else if ($("code-filter").value.trim()) { choose($("code-filter").value.trim(), true); }
    } else if (event.key === "Escape") {
      $("code-filter").value = "";
      filterPicker();
    }
  }

  // --- talking to the server ---------------------------------------------------------
  function post(url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": document.body.dataset.csrf, "HX-Request": "true" }
    }).then(function (response) {
      if (window.qualframe) { window.qualframe.remember(response); }
      return response.text().then(function (html) { return { ok: response.ok, html: html }; });
    });
  }

  function say(html, isHtml) {
    var messages = $("messages");
    if (isHtml) { messages.innerHTML = html; } else {
      messages.innerHTML = "";
      var p = document.createElement("p");
      p.className = "message ok";
      p.textContent = html;
      messages.appendChild(p);
    }
  }

  function swapBlocks(result) {
    if (!result.ok) { say(result.html, true); return false; }
    var holder = document.createElement("div");
    holder.innerHTML = result.html;
    var message = holder.querySelector("#reader-message");
    holder.querySelectorAll(".block").forEach(function (fresh) {
      var old = $(fresh.id);
      if (old) { old.replaceWith(fresh); }
    });
    if (message) { say(message.content.textContent, false); }
    var count = holder.querySelector("#reader-count");
    if (count && $("coding-count")) { $("coding-count").textContent = count.content.textContent; }
    return true;
  }

  function source() { return transcript().dataset.source; }

  function choose(code, create) {
    if (chosenCoding && !pending) { return recode(code); }
    if (!pending) { say("Select some text first (or focus a turn and press Enter).", false); return; }
    var span = pending;
    var memo = $("selection-memo");
    post("/sources/" + source() + "/codings", {
      start: span.start, end: span.end, code: code, create: create ? "1" : "", memo: memo ? memo.value : ""
    }).then(function (result) {
      if (swapBlocks(result)) {
        if (memo) { memo.value = ""; }
        setPending(null);
        window.getSelection().removeAllRanges();
        var block = blockAt(span.start);
        if (block) { block.focus({ preventScroll: true }); }
      }
    });
  }

  function recode(code) {
    var guid = chosenCoding.dataset.coding;
    post("/sources/" + source() + "/codings/" + guid + "/recode", { code: code }).then(function (result) {
      if (swapBlocks(result)) { showCoding(document.querySelector('.stripe[data-coding="' + guid + '"]')); }
    });
  }

  function showCoding(button) {
    chosenCoding = button;
    var panel = $("coding-detail");
    if (!button) { panel.hidden = true; markActive(null, null); return; }
    panel.hidden = false;
    $("detail-code").textContent = button.dataset.code;
    $("detail-coder").textContent = button.dataset.coder;
    var start = Number(button.dataset.start), end = Number(button.dataset.end);
    $("detail-text").textContent = textBetween(start, end);
    $("detail-memos").textContent = button.dataset.memos ? "Memo: " + button.dataset.memos : "";
    setPending(null);
    markActive(start, end);
  }

  // --- wiring ----------------------------------------------------------------------
  document.addEventListener("mouseup", function (event) {
    if (!transcript() || !transcript().contains(event.target)) { return; }
    var span = readSelection();
    if (span) { showCoding(null); setPending(span); }
  });
  document.addEventListener("keyup", function (event) {
    if (!transcript() || !transcript().contains(event.target) || !event.shiftKey) { return; }
    var span = readSelection();
    if (span) { setPending(span); }
  });
  document.addEventListener("keydown", function (event) {
    if (!transcript()) { return; }
    if (transcript().contains(event.target)) { onTranscriptKey(event); }
    else if (event.target.id === "code-filter") { onFilterKey(event); }
  });
  document.addEventListener("input", function (event) {
    if (event.target.id === "code-filter") { filterPicker(); }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button") : null;
    if (!target || !transcript()) { return; }
    if (target.dataset.code && target.closest("#code-picker")) { choose(target.dataset.code, false); }
    else if (target.id === "new-code") { choose($("code-filter").value.trim(), true); }
    else if (target.classList.contains("stripe")) { showCoding(target); }
    else if (target.id === "detail-remove" && chosenCoding) {
      var guid = chosenCoding.dataset.coding;
      post("/sources/" + source() + "/codings/" + guid + "/delete", {}).then(function (result) {
        if (swapBlocks(result)) { showCoding(null); }
      });
    } else if (target.id === "detail-recode" && chosenCoding) {
      var button = highlighted();
      if (!button) { say("Choose a code in the list first, then Recode.", false); return; }
      recode(button.dataset.code);
    } else if (target.id === "detail-memo-save" && chosenCoding) {
      var id = chosenCoding.dataset.coding;
      post("/sources/" + source() + "/codings/" + id + "/memo", { memo: $("detail-memo").value }).then(function (result) {
        if (swapBlocks(result)) { $("detail-memo").value = ""; showCoding(document.querySelector('.stripe[data-coding="' + id + '"]')); }
      });
    }
  });

  function jumpToQuote() {
    var at = new URLSearchParams(window.location.search).get("at");
    if (!at || !transcript()) { return; }
    var parts = at.split("-").map(Number);
    if (parts.length !== 2 || isNaN(parts[0]) || isNaN(parts[1])) { return; }
    markActive(parts[0], parts[1]);
    var block = blockAt(parts[0]);
    if (block) { block.scrollIntoView({ block: "center" }); block.focus({ preventScroll: true }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if ($("code-filter")) { filterPicker(); }
    jumpToQuote();
    if (transcript()) { transcript().dataset.ready = "yes"; }  // handlers are in place
  });
  document.addEventListener("qualframe:refreshed", function () {
    if (transcript()) { transcript().dataset.ready = "yes"; }
    if ($("code-filter")) { filterPicker(); }
    if (pending) { markActive(pending.start, pending.end); }
  });
})();
