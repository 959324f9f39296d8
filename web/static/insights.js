/* Draws the charts of the metrics and themes pages with Chart.js (served from /static/vendor).
   Each <figure data-chart> holds its data as JSON and a data table; without JavaScript the table is all
   a reader needs, so nothing here is required for the page to work. */
(function () {
  "use strict";

  function chartOf(figure) {
    var canvas = figure.querySelector(".chart-box canvas");
    return canvas && window.Chart ? window.Chart.getChart(canvas) : undefined;
  }

  function draw(figure) {
    // A canvas already holding a chart is skipped; one restored from htmx's history cache
    // holds none (a snapshot keeps markup, not the picture), so it is drawn again.
    if (!window.Chart || chartOf(figure)) return;
    var spec = JSON.parse(figure.querySelector('script[type="application/json"]').textContent);
    var box = figure.querySelector(".chart-box");
    box.hidden = false;
    var unit = spec.unit || "";
    // The page's language: every word on the chart comes from the page (the spec, this attribute).
    var na = box.getAttribute("data-na") || "n/a";
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
        locale: document.documentElement.lang || undefined,  // ticks as the page writes numbers
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var y = ctx.parsed.y;
                return ctx.dataset.label + ": " + (y === null ? na : y + unit);
              }
            }
          }
        },
        scales: { y: { beginAtZero: spec.beginAtZero !== false, ticks: { precision: spec.precision || 0 } } }
      }
    });
    var table = figure.querySelector("details.chart-table");
    if (table) table.open = false;
  }

  function charts(root) {
    return (root || document).querySelectorAll("figure[data-chart]");
  }

  function drawAll(root) {
    charts(root).forEach(draw);
  }

  function destroyAll(root) {
    charts(root).forEach(function (figure) {
      var chart = chartOf(figure);
      if (chart) chart.destroy();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // Not on htmx:afterSwap: during the settle that follows it, htmx puts back the server's attributes on
  // every element whose id was already on the page, wiping the size Chart.js had just given the canvas
  // (it fell back to 300×150 and stayed blank). After the settle the markup is final.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.shouldSwap) destroyAll(event.detail.target);
  });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.detail.elt || event.target); });
  document.addEventListener("htmx:historyRestore", function () { drawAll(document); });
})();
