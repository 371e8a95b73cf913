/* Ask once more before an irreversible action (marketplace/confirm.py).
   Without this script, such a button is a link to the confirmation page; with it, the
   real form is shown and its submission first asks in the browser's dialog. The same
   for any submit button carrying data-confirm (sign, countersign, pay, save and publish). */
(function () {
  "use strict";
  function upgrade() {
    document.querySelectorAll(".js-confirm-fallback").forEach(function (link) {
      var form = link.nextElementSibling;
      if (form && form.classList.contains("js-confirm-form")) {
        form.hidden = false;
        link.remove();
      }
    });
  }
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !button.dataset.confirm) {
      return;
    }
    if (!window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (button.dataset.confirmField) {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = button.dataset.confirmField;
      field.value = "1";
      event.target.appendChild(field);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", upgrade);
  } else {
    upgrade();
  }
})();
