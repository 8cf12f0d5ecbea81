/* Moderation queue and review pages: keyboard shortcuts and "select all on this page".
   Progressive enhancement only: every action is an ordinary form that works without this file.
   Keys typed into a field are never taken; anything that changes something asks first. */
(function () {
  "use strict";

  // "Select all on this page": a checkbox that ticks every row of its section's bulk form.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    var formId = box.getAttribute("data-select-all");
    var wrapper = box.closest(".js-only");
    if (wrapper) { wrapper.hidden = false; }
    var link = box.closest(".bulk-select") && box.closest(".bulk-select").querySelector(".no-js-select");
    if (link) { link.hidden = true; }
    var rows = function () {
      return document.querySelectorAll('input[type="checkbox"][name="items"][form="' + formId + '"]');
    };
    box.addEventListener("change", function () {
      rows().forEach(function (row) { row.checked = box.checked; });
    });
  });

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function submit(form, question) {
    if (!form || !window.confirm(question)) { return; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  var help = document.getElementById("keyboard-shortcuts");
  if (!help) { return; }  // the queue itself has no shortcuts

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) { return; }
    var key = event.key;
    if (key === "?") {
      help.open = !help.open;
      if (help.open) { help.querySelector("summary").focus(); }
    } else if (key === "p") {
      submit(document.getElementById("form-publish"), "Publish this review?");
    } else if (key === "h") {
      var guideline = document.getElementById("hide-guideline");
      if (guideline) { guideline.focus(); guideline.scrollIntoView({block: "center"}); }
    } else if (key === "d") {
      submit(document.querySelector('form[id^="form-dismiss-"]'), "Dismiss the first open report?");
    } else if (key === "n") {
      var next = document.getElementById("next-item");
      if (next) { window.location.assign(next.href); }
    } else {
      return;
    }
    event.preventDefault();
  });
})();
