// Charts of the organiser dashboard; the figures are in a JSON block of the page (no inline script).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  new Chart(document.getElementById("per-day-chart"), {
    type: "bar",
    data: {
      labels: data.days,
      datasets: [
        { label: "Bài nộp", data: data.attempts, backgroundColor: "#7a1a1a" },
        { label: "Người tham gia", data: data.people, backgroundColor: "#d4a017" }
      ]
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  new Chart(document.getElementById("score-chart"), {
    type: "bar",
    data: { labels: data.scores, datasets: [{ label: "Số người", data: data.scoreCounts, backgroundColor: "#1f5f8b" }] },
    options: { responsive: true, plugins: { legend: { display: false } },
               scales: { x: { title: { display: true, text: "Điểm" } }, y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
