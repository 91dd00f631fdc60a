// Pitstop's own script: what the server cannot do for the page. The pages work without it.
;(function () {
  'use strict'

  // Charts: each canvas carries its data (data-chart); the table beside it has the same numbers.
  var colours = ['#0b5cad', '#b35900', '#186a3b']
  function drawCharts(root) {
    if (typeof window.Chart !== 'function') return
    root.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      if (canvas.dataset.drawn) return
      canvas.dataset.drawn = 'yes'
      var config = JSON.parse(canvas.dataset.chart)
      new window.Chart(canvas, {
        type: config.kind,
        data: {
          labels: config.labels,
          datasets: config.series.map(function (series, i) {
            return {
              label: series.label,
              data: series.values,
              borderColor: colours[i],
              backgroundColor: colours[i],
              spanGaps: true,
            }
          }),
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { beginAtZero: true, title: { display: true, text: config.unit } } },
        },
      })
    })
  }

  // The proposal form's running price: labour as the repairs service prices it (hundredths of an hour
  // times the rate, rounded half up to the cent) and the parts at their unit prices; and a warning where
  // more is asked than is available.
  function runningPrice(form) {
    var output = form.querySelector('[data-price-output]')
    if (!output) return
    var rateCents = Math.round(Number(form.dataset.hourlyRate) * 100)
    var money = function (cents) {
      return (cents / 100).toFixed(2)
    }
    function update() {
      var partsCents = 0
      var short = []
      form.querySelectorAll('select[name^="part-"]').forEach(function (select) {
        var option = select.selectedOptions[0]
        if (!option || !option.value) return
        var quantity = Number(form.querySelector('[name="quantity-' + select.name.slice(5) + '"]').value) || 0
        partsCents += Math.round(Number(option.dataset.price) * 100) * quantity
        if (quantity > Number(option.dataset.available)) short.push(option.value)
      })
      var hundredths = Math.round((Number(form.querySelector('[name="labourHours"]').value) || 0) * 100)
      var labourCents = Math.floor((hundredths * rateCents + 50) / 100)
      output.textContent =
        'Running price: ' +
        money(labourCents + partsCents) +
        ' (labour ' +
        money(labourCents) +
        ' at ' +
        money(rateCents) +
        ' an hour, parts ' +
        money(partsCents) +
        ').' +
        (short.length ? ' Not enough in stock: ' + short.join(', ') + '.' : '')
    }
    form.addEventListener('input', update)
    form.addEventListener('change', update)
    update()
  }

  function start() {
    drawCharts(document)
    document.querySelectorAll('form[data-running-price]').forEach(runningPrice)
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
