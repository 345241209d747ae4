// The period report: the date boxes only matter for "Chọn ngày", so they are hidden for the named periods;
// the printable view's button prints. Without this file every box shows and the browser's menu prints.
(function () {
  "use strict";
  var choice = document.getElementById("ky");
  if (choice) {
    var toggle = function () {
      document.querySelectorAll(".period-dates").forEach(function (el) {
        el.hidden = choice.value !== "tu-chon";
      });
    };
    choice.addEventListener("change", toggle);
    toggle();
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
