// A bar chart of daily counts, drawn by uPlot — loaded (script and style) only when a page shows
// a chart, so no other page pays for it. The numbers are in a table beside it as well: the chart
// is for the eye, the table for everyone (a screen reader, a narrow screen, a copy).
import { useEffect, useRef, useState } from 'preact/hooks';

let loading;
function loadUplot() {
  loading ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default);
  return loading;
}

/**
 * days: ['2026-12-01', ...]; series: [{label, values: [n, ...], color}]. label names the chart.
 */
export function DailyChart({ label, days, series }) {
  const box = useRef(null);
  const [failed, setFailed] = useState(null);
  useEffect(() => {
    let plot;
    let live = true;
    loadUplot().then((UPlot) => {
      if (!live || !box.current) return;
      const width = Math.max(280, Math.min(box.current.clientWidth || 640, 960));
      const xs = days.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000);
      plot = new UPlot({
        width, height: 220, legend: { show: true },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { label: 'a day' }],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, fill: `${s.color}55`,
                                             paths: UPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } }))],
      }, [xs, ...series.map((s) => s.values)], box.current);
    }, (e) => live && setFailed(String(e)));
    return () => {
      live = false;
      plot?.destroy();
    };
  }, [JSON.stringify(days), JSON.stringify(series)]);
  return (
    <figure class="chart">
      <div ref={box} class="chart-box" role="img" aria-label={label} />
      {failed && <p class="hint">The chart could not be drawn; the numbers are below.</p>}
      <figcaption>
        <details>
          <summary>{label}: the numbers</summary>
          <table>
            <thead><tr><th scope="col">Day</th>{series.map((s) => <th scope="col" key={s.label}>{s.label}</th>)}</tr></thead>
            <tbody>
              {days.map((d, i) => (
                <tr key={d}><td>{d}</td>{series.map((s) => <td key={s.label}>{s.values[i]}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}
