import uPlot from './vendor/uplot/uPlot.esm.js';

const palette = ['#2358c5', '#d9822b', '#1e7d3a', '#b3261e', '#7b4bc4', '#11808a', '#8a6d00', '#6b7280'];
const charts = new Map();

/**
 * A stacked-by-series time chart drawn with uPlot into `container`. The chart is an
 * image to assistive technology; `summary` gets a sentence naming the series and
 * their totals, and the page's tables hold every number. `format` writes the axis's
 * short ticks, given each tick and the step between ticks (so ticks 0.00002 apart are not
 * all written $0.0000); `exact` (default `format`) every value read: legend, summary, data
 * table, so they say what the API and the tables say ($0.122222, not $0.1222). `counts`
 * keeps ticks on whole numbers (a chart of 1 request had ticks 0.2 apart, written 0 0 1 1 1).
 */
export function drawTimeChart(container, summary, { times, series, format, exact = format, label, counts = false }) {
  charts.get(container)?.destroy();
  charts.delete(container);
  container.replaceChildren();
  if (times.length === 0 || series.length === 0) {
    container.append(Object.assign(document.createElement('p'), { className: 'empty', textContent: 'No requests in this period.' }));
    summary.textContent = `${label}: no requests in this period.`;
    return;
  }
  const muted = getComputedStyle(document.body).getPropertyValue('--muted').trim() || '#5b6673';
  const line = getComputedStyle(document.body).getPropertyValue('--line').trim() || '#dde2e8';
  const axis = { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line } };
  const options = {
    width: Math.max(260, container.clientWidth),
    height: 220,
    scales: { x: { time: true } },
    axes: [axis, { ...axis, size: 64, values: (_u, values, _axis, _space, step) => values.map((value) => format(value, step)), ...(counts && { incrs: wholeSteps }) }],
    legend: { live: false },
    series: [
      {},
      ...series.map((entry, index) => ({
        label: entry.name,
        stroke: palette[index % palette.length],
        fill: `${palette[index % palette.length]}22`,
        width: 2,
        points: { show: times.length < 40 },
        value: (_u, value) => (value == null ? '–' : exact(value)),
      })),
    ],
  };
  const chart = new uPlot(options, [times, ...series.map((entry) => entry.values)], container);
  // The drawing is one image to assistive technology, described by the summary; the numbers are in the table below it.
  chart.root.setAttribute('role', 'img');
  chart.root.setAttribute('aria-describedby', summary.id);
  charts.set(container, chart);
  container.append(dataTable(times, series, exact, label));
  summary.textContent = `${label} by ${series.length} series: ${series
    .map((entry) => `${entry.name} ${exact(entry.values.reduce((sum, value) => sum + (value ?? 0), 0))}`)
    .join(', ')}.`;
}

/** Steps between ticks of a chart of counts: whole numbers only. */
const wholeSteps = [1, 2, 5].flatMap((first) => Array.from({ length: 12 }, (_, power) => first * 10 ** power)).sort((a, b) => a - b);

/** The chart's numbers as a table (buckets with any value), folded away under "Data". */
function dataTable(times, series, format, label) {
  const cell = (tag, text, className) => Object.assign(document.createElement(tag), { textContent: text, ...(className && { className }) });
  const table = document.createElement('table');
  const head = document.createElement('tr');
  head.append(cell('th', 'Time'), ...series.map((entry) => cell('th', entry.name, 'num')));
  for (const th of head.children) th.setAttribute('scope', 'col');
  const body = document.createElement('tbody');
  times.forEach((time, index) => {
    if (!series.some((entry) => entry.values[index])) return;
    const row = document.createElement('tr');
    const at = cell('th', new Date(time * 1000).toLocaleString('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
    at.setAttribute('scope', 'row');
    row.append(at, ...series.map((entry) => cell('td', format(entry.values[index] ?? 0), 'num')));
    body.append(row);
  });
  table.append(Object.assign(document.createElement('thead'), {}), body);
  table.tHead.append(head);
  const details = document.createElement('details');
  details.className = 'chart-data';
  const scroll = Object.assign(document.createElement('div'), { className: 'scroll' });
  scroll.append(table);
  details.append(cell('summary', `${label}: data table`), scroll);
  return details;
}

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const [container, chart] of charts) chart.setSize({ width: Math.max(260, container.clientWidth), height: 220 });
  }, 120);
});
