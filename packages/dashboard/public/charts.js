import uPlot from './vendor/uplot/uPlot.esm.js';

const palette = ['#2358c5', '#d9822b', '#1e7d3a', '#b3261e', '#7b4bc4', '#11808a', '#8a6d00', '#6b7280'];
const charts = new Map();

/**
 * A stacked-by-series time chart drawn with uPlot into `container`. The chart is an
 * image to assistive technology; `summary` gets a sentence naming the series and
 * their totals, and the page's tables hold every number.
 */
export function drawTimeChart(container, summary, { times, series, format, label }) {
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
    axes: [axis, { ...axis, size: 64, values: (_u, values) => values.map(format) }],
    legend: { live: false },
    series: [
      {},
      ...series.map((entry, index) => ({
        label: entry.name,
        stroke: palette[index % palette.length],
        fill: `${palette[index % palette.length]}22`,
        width: 2,
        points: { show: times.length < 40 },
        value: (_u, value) => (value == null ? '–' : format(value)),
      })),
    ],
  };
  const chart = new uPlot(options, [times, ...series.map((entry) => entry.values)], container);
  charts.set(container, chart);
  summary.textContent = `${label} by ${series.length} series: ${series
    .map((entry) => `${entry.name} ${format(entry.values.reduce((sum, value) => sum + (value ?? 0), 0))}`)
    .join(', ')}.`;
}

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const [container, chart] of charts) chart.setSize({ width: Math.max(260, container.clientWidth), height: 220 });
  }, 120);
});
