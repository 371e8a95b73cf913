/* The header's account menu is a <details> element, so it opens without JavaScript.
   With this script, Escape closes it (the focus back on its summary), and so does a click
   or a focus anywhere outside it. */
(function () {
  "use strict";
  function openMenus() {
    return document.querySelectorAll(".account-menu details[open]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    openMenus().forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  ["click", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      openMenus().forEach(function (menu) {
        if (!menu.contains(event.target)) {
          menu.open = false;
        }
      });
    });
  });
})();
