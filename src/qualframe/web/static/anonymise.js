// qualframe anonymisation review: move through the entities and decide with the keyboard.
// j / ArrowDown next, k / ArrowUp previous, a accept, r reject, l edit the label
// (Enter saves it: the form submits), Escape back to the entity. Every action is also a
// plain button, so this file only adds shortcuts; htmx swaps the decided entity in place.
(function () {
  "use strict";
  var after = null; // {id, advance}: where focus goes once htmx has swapped an entity

  function entities() {
    return Array.prototype.slice.call(document.querySelectorAll("#entity-list > .entity"));
  }

  function focusEntity(entity) {
    if (!entity) { return; }
    entity.focus();
    entity.scrollIntoView({ block: "nearest" });
  }

  function move(current, step) {
    var all = entities();
    if (!all.length) { return; }
    var index = current ? all.indexOf(current) : -1;
    var next = index === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(index + step, 0), all.length - 1);
    focusEntity(all[next]);
  }

  function act(entity, action) {
    var button = entity.querySelector('button[data-action="' + action + '"]');
    if (!button || button.disabled) { return; }
    after = { id: entity.id, advance: true };
    button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !document.getElementById("entity-list")) { return; }
    var target = event.target;
    var entity = target.closest ? target.closest("#entity-list > .entity") : null;
    if (target.matches && target.matches("input, textarea, select")) {
      if (event.key === "Escape" && entity) { event.preventDefault(); entity.focus(); }
      else if (event.key === "Enter" && entity && target.dataset.field === "label") { after = { id: entity.id, advance: false }; }
      return;
    }
    if (!entity && target !== document.body && !(target.id === "main")) { return; }
    switch (event.key) {
      case "j": case "ArrowDown": event.preventDefault(); move(entity, 1); break;
      case "k": case "ArrowUp": event.preventDefault(); move(entity, -1); break;
      case "a": if (entity) { event.preventDefault(); act(entity, "accept"); } break;
      case "r": if (entity) { event.preventDefault(); act(entity, "reject"); } break;
      case "l":
        if (entity) {
          event.preventDefault();
          var field = entity.querySelector('[data-field="label"]');
          if (field) { field.focus(); field.select(); }
        }
        break;
      default: break;
    }
  });

  // A button clicked with the mouse also brings focus back to its entity after the swap.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var entity = event.target.closest ? event.target.closest("#entity-list > .entity") : null;
    if (entity && (!after || after.id !== entity.id)) { after = { id: entity.id, advance: false }; }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!after) { return; }
    var entity = document.getElementById(after.id);
    var advance = after.advance;
    after = null;
    if (!entity) { return; }
    if (advance) {
      var all = entities();
      var index = all.indexOf(entity);
      focusEntity(all[index + 1] || entity);
    } else {
      focusEntity(entity);
    }
  });

  document.addEventListener("htmx:responseError", function () { after = null; });
})();
