// The contest rules editor: a live preview of the Markdown, rendered by the server exactly as the contest
// page will show it. Without JavaScript the field and its hint still work; the preview stays hidden.
(function () {
  "use strict";
  const field = document.querySelector("textarea[data-preview-url]");
  const box = document.getElementById("rules-preview");
  const body = document.getElementById("rules-preview-body");
  if (!field || !box || !body) return;
  const csrf = field.form.querySelector("input[name=csrf_token]");
  let timer = null;
  let sent = 0;

  function refresh() {
    const mine = ++sent;
    const data = new FormData();
    data.append("rules_markdown", field.value);
    if (csrf) data.append("csrf_token", csrf.value);
    fetch(field.dataset.previewUrl, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        if (mine !== sent) return;  // an older answer arriving late
        body.innerHTML = html;  // sanitised by the server (nh3 allowlist)
        box.hidden = !field.value.trim();
      })
      .catch(function () { /* no preview this time; the next keystroke tries again */ });
  }

  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  if (field.value.trim()) refresh();
})();
