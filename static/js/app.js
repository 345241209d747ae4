// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  // A text box above a <select data-filterable> hides the options that do not match,
  // ignoring diacritics, so a unit can be found among hundreds by typing part of its name.
  // Every word typed must appear in the option, in any order: "van phong tai chinh" finds
  // "Văn phòng Sở — Sở Tài chính", whose label names the parent.
  document.querySelectorAll("select[data-filterable]").forEach(function (select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control mb-2";
    input.placeholder = "Gõ để tìm đơn vị (không cần dấu)…";
    input.setAttribute("aria-label", "Tìm trong danh sách: " + (select.labels[0] ? select.labels[0].textContent : ""));
    input.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(input, select);
    var options = Array.prototype.slice.call(select.options);
    var folded = options.map(function (o) { return fold(o.textContent); });
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var query = words.length > 0;
      var firstMatch = null;
      options.forEach(function (option, i) {
        var show = !query || option.value === "0" || words.every(function (w) { return folded[i].indexOf(w) !== -1; });
        option.hidden = !show;
        option.disabled = !show && option.value !== select.value;
        if (show && option.value !== "0" && !firstMatch) { firstMatch = option; }
      });
      if (query && firstMatch && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        select.value = firstMatch.value;
      }
    });
  });

  // A block with data-shown-for="NAME=VALUE" is shown only while the radio button NAME has VALUE
  // (registration: a civil servant's unit, a citizen's residence). Without this file both are shown.
  document.querySelectorAll("[data-shown-for]").forEach(function (block) {
    var parts = block.getAttribute("data-shown-for").split("=");
    var radios = document.querySelectorAll('input[type="radio"][name="' + parts[0] + '"]');
    function update() {
      var checked = document.querySelector('input[type="radio"][name="' + parts[0] + '"]:checked');
      block.hidden = !checked || checked.value !== parts[1];
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  });

  // A button with data-copy="ID" copies the text of the field ID (a reset link to pass on by Zalo) and says so
  // in the status next to it; hidden without this file, where the field is selected and copied by hand.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector('[role="status"]');
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      function done(ok) {
        if (status) { status.textContent = ok ? "Đã sao chép." : "Không sao chép được: hãy chọn liên kết và sao chép."; }
      }
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () { done(false); });
      } else {
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        done(ok);
      }
    });
  });

  // Buttons that need a confirmation carry data-confirm="message".
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
