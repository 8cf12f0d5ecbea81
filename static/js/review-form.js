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
