// The home page's countdowns: the server writes the time left into each [data-countdown] (seconds) and as text,
// so the page says it without this file; here the text follows the clock, in the same format
// (contest/services/home.py, countdown_text): "2 ngày 03:04:05". At zero it says data-done.
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-countdown]"));
  if (!boxes.length) { return; }
  var start = performance.now();

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function text(seconds) {
    var days = Math.floor(seconds / 86400), rest = seconds % 86400;
    var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60);
    return days ? days + " ngày " + clock : clock;
  }

  function tick() {
    var elapsed = Math.floor((performance.now() - start) / 1000);
    boxes.forEach(function (box) {
      var left = Math.max(0, (parseInt(box.dataset.countdown, 10) || 0) - elapsed);
      box.textContent = left > 0 ? text(left) : (box.dataset.done || text(0));
    });
    setTimeout(tick, 1000 - (performance.now() - start) % 1000);
  }

  tick();
})();
