// A small horizontal bar chart on a log scale, one panel per workload, as a standalone SVG string.
//   barChart({ title, subtitle: string | string[] (one line each), panels: [{ title, unit, higherIsBetter?, bars: [{ label, value, highlight?, note? }] }] })
// A bar with value null is drawn as text only (e.g. "failed" or "not run").

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Ticks at powers of ten: 0.01, 0.1, 1, 10, 100, 1k, 10k, 100k, 1M, 10M. */
function fmtTick(v) {
  if (v >= 1e6) return `${Math.round(v / 1e6)}M`;
  if (v >= 1e3) return `${Math.round(v / 1e3)}k`;
  return String(+v.toPrecision(1));
}

function fmtNum(v) {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

export function barChart({ title, subtitle, panels }) {
  const W = 900, labelW = 330, valueW = 90, barW = W - labelW - valueW - 20, rowH = 20, panelGap = 28;
  const sub = Array.isArray(subtitle) ? subtitle : [subtitle];
  const headH = 40 + 15 * sub.length;
  let y = headH;
  const out = [];
  for (const p of panels) {
    const vals = p.bars.map((b) => b.value).filter((v) => v !== null && v > 0);
    // The axis starts a decade below any value within 1.5× of its lower decade, so every bar shows.
    const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...vals) / 1.5)));
    const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...vals))));
    const decades = Math.max(1, Math.round(Math.log10(hi / lo)));
    const xOf = (v) => labelW + (barW * Math.log10(v / lo)) / decades;
    out.push(`<text x="10" y="${y + 14}" class="pt">${esc(p.title)}</text>`);
    y += 22;
    const top = y;
    const bottom = y + p.bars.length * rowH;
    for (let d = 0; d <= decades; d++) {
      const v = lo * Math.pow(10, d);
      const x = xOf(v);
      out.push(`<line x1="${x}" y1="${top - 2}" x2="${x}" y2="${bottom}" class="grid"/>`);
      out.push(`<text x="${x}" y="${bottom + 13}" class="tick" text-anchor="middle">${fmtTick(v)}</text>`);
    }
    out.push(`<text x="${labelW + barW}" y="${bottom + 26}" class="tick" text-anchor="end">${esc(p.unit)} (log scale; ${p.higherIsBetter ? 'longer' : 'shorter'} is faster)</text>`);
    for (const b of p.bars) {
      out.push(`<text x="${labelW - 8}" y="${y + 14}" class="lab" text-anchor="end">${esc(b.label)}</text>`);
      if (b.value !== null && b.value > 0) {
        const x = xOf(b.value);
        out.push(`<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, x - labelW).toFixed(1)}" height="${rowH - 6}" class="${b.highlight ? 'barw' : 'bar'}"/>`);
        out.push(`<text x="${x + 5}" y="${y + 14}" class="val">${fmtNum(b.value)}${b.note ? ` ${esc(b.note)}` : ''}</text>`);
      } else {
        out.push(`<text x="${labelW + 4}" y="${y + 14}" class="na">${esc(b.note ?? 'n/a')}</text>`);
      }
      y += rowH;
    }
    y += 30 + panelGap;
  }
  const H = y;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">
<style>
.t { font-size: 16px; font-weight: 600; fill: #111; } .st { font-size: 11px; fill: #555; } .pt { font-size: 13px; font-weight: 600; fill: #111; }
.lab { font-size: 12px; fill: #222; } .val { font-size: 11px; fill: #222; } .na { font-size: 11px; fill: #b00; font-style: italic; }
.tick { font-size: 10px; fill: #666; } .grid { stroke: #ddd; stroke-width: 1; }
.bar { fill: #8aa4c8; } .barw { fill: #e07b39; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" class="t">${esc(title)}</text>
${sub.map((line, i) => `<text x="10" y="${40 + 15 * i}" class="st">${esc(line)}</text>`).join('\n')}
${out.join('\n')}
</svg>
`;
}

const WASMGRAD_KEYS = ['wasm', 'wasmCompiled', 'wasmTensor', 'wasmTensorRelaxed', 'js', 'jsCompiled', 'jsTensor'];

/** The chart of a compare.mjs run ({ meta, cases, results } as in bench/results.json): one panel per case. */
export function compareChart({ meta, cases, results }) {
  const panels = cases.map((c) => ({
    title: c.title.replace(/ \(.*\)$/, ''),
    unit: c.unit,
    higherIsBetter: c.unit === 'GFLOP/s',
    bars: results.filter((r) => r.case === c.key && r.status !== 'n/a').map((r) => ({
      label: r.label,
      value: r.status === 'ok' ? r.value.median : null,
      highlight: WASMGRAD_KEYS.includes(r.engine),
      note: r.status === 'ok' ? null : r.status === 'skipped' ? 'not run (see the table)' : r.status === 'unavailable' ? 'not available yet' : r.status === 'disagrees' ? 'results disagree' : 'failed (see the table)',
    })),
  }));
  return barChart({
    title: 'wasmgrad vs JS autograd engines: medians, log scale (orange: wasmgrad)',
    subtitle: [
      `Node ${meta.node}, ${meta.cpu} × ${meta.cpus}, load average ${meta.loadAvg1m}, ${meta.date.slice(0, 10)}, wasmgrad ${meta.commit}; single-threaded; medians of ${meta.timing.rounds} interleaved rounds`,
      Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(', '),
      'Every bar is of an engine whose loss and gradients agreed with an f64 reference; all numbers in bench/results.json',
    ],
    panels,
  });
}
