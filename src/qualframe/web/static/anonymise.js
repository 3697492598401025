// qualframe anonymisation review: move through the entities and decide with the keyboard.
// j / ArrowDown next, k / ArrowUp previous, a accept, r reject, l edit the label
// (Enter saves it: the form submits), Escape back to the entity, m show (or hide) every
// mention of the entity. On a mention the same keys move through the entity's mentions
// and decide that mention alone; Escape goes back to its entity. Every action is also a
// plain button, so this file only adds shortcuts; htmx swaps the decided entity in place.
(function () {
  "use strict";
  // Where focus goes once htmx has swapped an entity: {id: the entity's element id,
  // mention: a mention's element id, advance: on to the next one, place: "first-mention"
  // or "toggle" (the show/hide button)}.
  var after = null;

  function entities() {
    return Array.prototype.slice.call(document.querySelectorAll("#entity-list > .entity"));
  }

  function mentionsOf(entity) {
    return Array.prototype.slice.call(entity.querySelectorAll(".mention"));
  }

  function focusItem(item) {
    if (!item) { return; }
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  // The item `step` places from `current` in `all`, staying within the list.
  function neighbour(all, current, step) {
    if (!all.length) { return null; }
    var index = current ? all.indexOf(current) : -1;
    return all[index === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(index + step, 0), all.length - 1)];
  }

  function act(entity, action) {
    var button = entity.querySelector('button[data-action="' + action + '"]');
    if (!button || button.disabled) { return; }
    after = { id: entity.id, advance: true };
    button.click();
  }

  function actOnMention(entity, mention, action) {
    var button = mention.querySelector('button[data-mention-action="' + action + '"]');
    if (!button || button.disabled) { return; }
    after = { id: entity.id, mention: mention.id, advance: true };
    button.click();
  }

  function toggleMentions(entity) {
    var button = entity.querySelector('button[data-action="mentions"]');
    if (!button) { return; }
    var opening = button.getAttribute("aria-expanded") !== "true";
    after = opening ? { id: entity.id, place: "first-mention" } : { id: entity.id, advance: false };
    button.click();
  }

  function onMention(event, entity, mention) {
    switch (event.key) {
      case "j": case "ArrowDown": event.preventDefault(); focusItem(neighbour(mentionsOf(entity), mention, 1)); break;
      case "k": case "ArrowUp": event.preventDefault(); focusItem(neighbour(mentionsOf(entity), mention, -1)); break;
      case "a": event.preventDefault(); actOnMention(entity, mention, "accept"); break;
      case "r": event.preventDefault(); actOnMention(entity, mention, "reject"); break;
      case "m": event.preventDefault(); toggleMentions(entity); break;
      case "Escape": event.preventDefault(); focusItem(entity); break;
      default: break;
    }
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
    var mention = entity ? target.closest(".mention") : null;
    if (mention) { onMention(event, entity, mention); return; }
    switch (event.key) {
      case "j": case "ArrowDown": event.preventDefault(); focusItem(neighbour(entities(), entity, 1)); break;
      case "k": case "ArrowUp": event.preventDefault(); focusItem(neighbour(entities(), entity, -1)); break;
      case "a": if (entity) { event.preventDefault(); act(entity, "accept"); } break;
      case "r": if (entity) { event.preventDefault(); act(entity, "reject"); } break;
      case "m": if (entity) { event.preventDefault(); toggleMentions(entity); } break;
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

  // A button clicked with the mouse also brings focus back after the swap: to its
  // mention, to the show/hide button, or to its entity.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.target;
    var entity = source.closest ? source.closest("#entity-list > .entity") : null;
    if (!entity || (after && after.id === entity.id)) { return; }
    var mention = source.closest(".mention");
    if (mention) { after = { id: entity.id, mention: mention.id, advance: false }; }
    else if (source.classList.contains("mentions-toggle")) { after = { id: entity.id, place: "toggle" }; }
    else { after = { id: entity.id, advance: false }; }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!after) { return; }
    var plan = after;
    after = null;
    var entity = document.getElementById(plan.id);
    if (!entity) { return; }
    if (plan.place === "first-mention") {
      focusItem(entity.querySelector(".mention") || entity);
    } else if (plan.place === "toggle") {
      focusItem(entity.querySelector('button[data-action="mentions"]') || entity);
    } else if (plan.mention) {
      var mention = document.getElementById(plan.mention);
      var all = mentionsOf(entity);
      focusItem(mention && plan.advance ? all[all.indexOf(mention) + 1] || mention : mention || entity);
    } else if (plan.advance) {
      var list = entities();
      focusItem(list[list.indexOf(entity) + 1] || entity);
    } else {
      focusItem(entity);
    }
  });

  document.addEventListener("htmx:responseError", function () { after = null; });
})();
