// The error summary of every form (templates/_macros.html form_errors, GOV.UK pattern), loaded by
// base.html on every page: put its links in page order, move focus to it on load, and make each
// link focus its field (for a group of radio buttons or checkboxes, its first choice, scrolled so
// the group's legend shows). Without JavaScript the links still go to the fields.
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
    var anchor = (field.type === "radio" || field.type === "checkbox") && legend ? legend : label;
    (anchor || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });

  summary.focus();
})();
