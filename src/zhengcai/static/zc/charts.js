/* Charts from data blocks: <canvas data-chart="ID"> draws the JSON in <script type="application/json" id="ID">
   (Django's json_script) with Chart.js (static/vendor/chart.umd.min.js, loaded before this file).
   A block is {"type": "bar"|"line", "labels": [...], "datasets": [{"label": "...", "data": [...]}],
   "percent": true|false}. Every chart on our pages has the same figures in a table beside it, so a
   browser without JavaScript or canvas loses nothing. */
(function () {
  "use strict";
  var PALETTE = ["#c8102e", "#0b4f8a", "#2e7d32", "#b26a00", "#6a3d9a", "#00838f"];

  function build(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return null;
    }
    var spec = JSON.parse(source.textContent);
    var datasets = (spec.datasets || []).map(function (dataset, index) {
      var colour = PALETTE[index % PALETTE.length];
      return Object.assign({ backgroundColor: colour, borderColor: colour, borderWidth: 1 }, dataset);
    });
    var ticks = spec.percent ? { callback: function (value) { return value + "%"; } } : { precision: 0 };
    return new window.Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, max: spec.percent ? 100 : undefined, ticks: ticks } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function buildAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), build);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", buildAll);
  } else {
    buildAll();
  }
})();
