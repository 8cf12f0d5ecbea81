// Review form: show a conditional field only when it applies (progressive enhancement; without
// JavaScript every field is shown and the server ignores the ones that don't apply).
(function () {
  "use strict";
  var form = document.querySelector("[data-review-form]");
  if (!form) return;
  var blocks = form.querySelectorAll("[data-show-when]");

  function selected(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function update() {
    blocks.forEach(function (block) {
      var wanted = block.getAttribute("data-show-values").split(" ");
      var show = wanted.indexOf(selected(block.getAttribute("data-show-when"))) !== -1;
      // Keep a field with an error visible, so its message is never hidden.
      if (block.querySelector(".field-error")) show = true;
      block.hidden = !show;
    });
  }

  form.addEventListener("change", update);
  update();
})();

// The error summary (templates/_macros.html form_errors, GOV.UK pattern): put its links in page
// order, move focus to it on load, and make each link focus its field (for a radio group, its first
// choice, scrolled so the group's legend shows). Without JavaScript the links still go to the fields.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  var list = summary.querySelector("ul");

  function target(link) {
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    return id ? document.getElementById(id) : null;
  }

  // Order the links as their fields appear on the page (the form class's order may differ).
  var items = Array.prototype.slice.call(list.children);
  items.sort(function (a, b) {
    var la = a.querySelector("a"), lb = b.querySelector("a");
    var ta = la && target(la), tb = lb && target(lb);
    if (!ta || !tb) return ta ? 1 : tb ? -1 : 0;
    return ta.compareDocumentPosition(tb) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  });
  items.forEach(function (item) { list.appendChild(item); });

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var field = target(link);
    if (!field) return;
    event.preventDefault();
    // A field in a closed <details> or a hidden block must be shown before it can take focus.
    var details = field.closest("details");
    if (details) details.open = true;
    var hidden = field.closest("[hidden]");
    if (hidden) hidden.hidden = false;
    var group = field.closest("fieldset");
    var legend = group && group.querySelector("legend");
    var label = field.id && document.querySelector('label[for="' + field.id + '"]');
    var anchor = field.type === "radio" && legend ? legend : label;
    (anchor || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });

  summary.focus();
})();
