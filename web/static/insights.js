/* Draws the charts of the metrics and themes pages with Chart.js (served from /static/vendor).
   Each <figure data-chart> holds its data as JSON and a data table; without JavaScript the table is all
   a reader needs, so nothing here is required for the page to work. */
(function () {
  "use strict";

  function draw(figure) {
    if (!window.Chart || figure.dataset.drawn) return;
    var spec = JSON.parse(figure.querySelector('script[type="application/json"]').textContent);
    var box = figure.querySelector(".chart-box");
    box.hidden = false;
    var unit = spec.unit || "";
    new window.Chart(box.querySelector("canvas"), {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          return { label: d.label, data: d.data, spanGaps: true, tension: 0, pointRadius: 3 };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var y = ctx.parsed.y;
                return ctx.dataset.label + ": " + (y === null ? "n/a" : y + unit);
              }
            }
          }
        },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    var table = figure.querySelector("details.chart-table");
    if (table) table.open = false;
    figure.dataset.drawn = "1";
  }

  function drawAll(root) {
    (root || document).querySelectorAll("figure[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
