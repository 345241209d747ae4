// An export job's page: asks the small JSON status every second and moves the progress bar, then shows the
// download button. Without this file the page refreshes itself (the <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = document.getElementById("job-progress");
  var text = box.querySelector("[data-job-text]");
  var label = box.querySelector("[data-job-label]");
  var download = box.querySelector("[data-job-download]");
  var poll = function () {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (job) {
        if (job.total) { bar.max = job.total; bar.value = Math.min(job.done, job.total); }
        else if (job.finished) { bar.max = 1; bar.value = 1; }
        text.textContent = job.text;
        label.textContent = job.label;
        label.className = "badge " + (job.status === "done" ? "text-bg-success" : job.status === "failed" ? "text-bg-danger" : "text-bg-primary");
        if (job.download) {
          download.querySelector("a").href = job.download;
          download.querySelector("[data-job-expires]").textContent = "Tệp được giữ đến " + job.expires + ".";
          download.hidden = false;
        }
        if (!job.finished) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  };
  window.setTimeout(poll, 500);
})();
