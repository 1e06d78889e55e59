// The review as one self-contained HTML file: inline CSS and inline SVG charts (charts.ts), no
// script or font or stylesheet from anywhere else, so it opens offline and can be mailed around.
// The summary is embedded too, as JSON (<script type="application/json" id="review-data">).
import path from 'node:path';
import { barChart, clockLabel, esc, lineChart, type Bar } from './charts.js';
import type { Lifecycle, ReviewSummary } from './summary.js';
import { formatTime } from './text.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1c2430}
header{background:#14202e;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header p{margin:0;color:#b8c4d2}
main{padding:20px 28px;max-width:1560px}
.alarm{background:#c62828;color:#fff;padding:12px 16px;border-radius:6px;margin-bottom:16px;font-weight:600}
.alarm ul{margin:6px 0 0;font-weight:400;font-family:ui-monospace,monospace;font-size:12px}
.warn{background:#fff4e0;border:1px solid #f0b64a;padding:10px 14px;border-radius:6px;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:18px}
.card{background:#fff;border-radius:8px;padding:12px 16px;min-width:150px;box-shadow:0 1px 2px #0002}
.card b{display:block;font-size:22px}.card .label{color:#5b6675;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(740px,1fr));gap:14px;margin-bottom:18px}
figure.chart{background:#fff;margin:0;padding:10px 10px 4px;border-radius:8px;box-shadow:0 1px 2px #0002}
figcaption{font-weight:600;margin:0 0 4px 6px}
svg text{font:11px system-ui,sans-serif;fill:#5b6675}svg .grid{stroke:#e6e9ee}svg .axis,svg .tick{stroke:#8c96a3}
.empty{color:#8c96a3;padding:40px;text-align:center}
section{background:#fff;border-radius:8px;padding:12px 16px;margin-bottom:14px;box-shadow:0 1px 2px #0002}
section h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #edf0f3}
td:first-child,th:first-child{text-align:left}th{color:#5b6675;font-weight:600}
.pos{color:#1b7f3b}.neg{color:#c62828}code,.mono{font-family:ui-monospace,monospace;font-size:12px}
ol.life{margin:0;padding-left:20px}ol.life li{margin-bottom:6px}
`;

const n = (v: number, d = 2) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const int = (v: number) => v.toLocaleString('en-US');
const money = (v: number) => `<span class="${v >= 0 ? 'pos' : 'neg'}">${v >= 0 ? '+' : ''}${n(v)}</span>`;
const msf = (v: number | undefined) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(2));

function rowsOf(head: string[], rows: Array<Array<string | number>>): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? int(c) : c}</td>`).join('')}</tr>`).join('')}</table>`;
}

function figure(id: string, title: string, chart: string, empty: string): string {
  return `<figure class="chart" id="chart-${id}"><figcaption>${esc(title)}</figcaption>${chart || `<p class="empty">${esc(empty)}</p>`}</figure>`;
}

export function renderHtml(s: ReviewSummary): string {
  const files = s.files.map((f) => `${path.basename(f.file)} (${f.format}, ${int(f.rows)} rows)`).join(', ');
  const period =
    s.period.start !== null && s.period.end !== null
      ? `${formatTime(s.period.start, true)} → ${formatTime(s.period.end)} UTC · ${n(s.period.seconds, 1)} s`
      : 'no rows';
  const parts = [
    alarms(s),
    cards(s),
    charts(s),
    ordersSection(s),
    latencySection(s),
    tickersSection(s),
    rejectionsSection(s),
    blocksSection(s),
    lifecyclesSection(s),
  ].filter(Boolean);
  const data = JSON.stringify(s).replace(/</g, '\\u003c');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>salvo review — ${esc(files)}</title><style>${CSS}</style></head>` +
    `<body><header><h1>salvo review</h1><p>${esc(files)} · ${esc(period)}</p></header><main>${parts.join('\n')}</main>` +
    `<script type="application/json" id="review-data">${data}</script></body></html>\n`
  );
}

/** what must not be missed: orders that never ended, and the readers' warnings */
function alarms(s: ReviewSummary): string {
  let out = '';
  if (s.neverTerminal.count) {
    out += `<div class="alarm">${int(s.neverTerminal.count)} order(s) never reached a terminal status<ul>${s.neverTerminal.orders.map((o) => `<li>${esc(o.id)} ${esc(o.ticker)} ${esc(o.side)} — last ${esc(o.lastStatus)} at ${formatTime(o.lastAt)} (${esc(path.basename(o.file))} line ${o.line})</li>`).join('')}</ul></div>`;
  }
  const warnings = s.files.flatMap((f) => f.warnings.map((w) => `${path.basename(f.file)}: ${w.message}`));
  if (warnings.length)
    out += `<div class="warn"><b>Warnings</b><ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>`;
  return out;
}

function cards(s: ReviewSummary): string {
  const fill = s.latencyMs.submitToFill;
  const card = (value: string, label: string) =>
    `<div class="card"><b>${value}</b><span class="label">${esc(label)}</span></div>`;
  return `<div class="cards">${[
    card(int(s.orders.total), 'orders'),
    card(s.fillRatio.ratio === null ? '-' : `${(s.fillRatio.ratio * 100).toFixed(1)}%`, 'fill ratio (orders filled)'),
    card(money(s.pnl.realized), `realized P&L (${s.pnl.method})`),
    card(fill ? `${msf(fill.p50)} ms` : '-', 'sent → fill p50'),
    card(fill ? `${msf(fill.p99)} ms` : '-', 'sent → fill p99'),
    card(int(s.orders.open), 'never terminal'),
  ].join('')}</div>`;
}

function charts(s: ReviewSummary): string {
  const hist = s.latencyMs.fillHistogram;
  const histBars: Bar[] = hist
    ? hist.counts.map((c, i) => ({
        from: i * hist.binMs,
        to: (i + 1) * hist.binMs,
        value: c,
        tip: `${msf(i * hist.binMs)}–${msf((i + 1) * hist.binMs)} ms: ${c} orders`,
      }))
    : [];
  const minuteBars: Bar[] = s.timeline.fillsPerMinute.map(([t, c]) => ({
    from: t,
    to: t + 60,
    value: c,
    tip: `${clockLabel(t)}: ${c} fills`,
  }));
  return `<div class="charts">${[
    figure(
      'pnl',
      'Cumulative realized P&L',
      lineChart('cumulative realized P&L', s.timeline.pnl, { color: '#1f6feb', xTitle: 'time (UTC)' }),
      'no fills',
    ),
    figure(
      'exposure',
      'Gross exposure (Σ |position| × last fill price)',
      lineChart('gross exposure', s.timeline.gross, { color: '#8250df', area: true, xTitle: 'time (UTC)' }),
      'no fills',
    ),
    figure(
      'latency',
      `Sent → first fill latency${hist?.overflow ? ` (${hist.overflow} slower than shown)` : ''}`,
      barChart('latency histogram', histBars, {
        color: '#2da44e',
        xLabel: (v) => `${+v.toFixed(3)} ms`,
        xTitle: 'milliseconds',
      }),
      'no filled orders',
    ),
    figure(
      'fills',
      'Fills per minute',
      barChart('fills per minute', minuteBars, {
        color: '#d97706',
        xLabel: clockLabel,
        xTitle: 'minute (UTC)',
        time: true,
      }),
      'no fills',
    ),
  ].join('')}</div>`;
}

function ordersSection(s: ReviewSummary): string {
  const statusRows = Object.entries(s.orders.byStatus).map(([k, v]) => [esc(k), v]);
  statusRows.push(['open (never terminal)', s.orders.open], ['<b>total</b>', s.orders.total]);
  return `<section><h2>Orders by final status</h2>${rowsOf(['status', 'orders'], statusRows)}<p>${int(s.fillRatio.withFills)} orders with any fill; ${int(s.fillRatio.partialThenEnded)} partly filled then ended.</p></section>`;
}

function latencySection(s: ReviewSummary): string {
  const fill = s.latencyMs.submitToFill;
  const lat = (label: string, d: typeof fill) => [
    label,
    d?.count ?? 0,
    msf(d?.p50),
    msf(d?.p90),
    msf(d?.p99),
    msf(d?.max),
  ];
  return `<section><h2>Latency (ms)</h2>${rowsOf(['', 'n', 'p50', 'p90', 'p99', 'max'], [lat('sent → ack (new)', s.latencyMs.submitToAck), lat('sent → first fill', fill)])}</section>`;
}

function tickersSection(s: ReviewSummary): string {
  return `<section><h2>Per ticker — P&amp;L at ${esc(s.pnl.method)}</h2>${rowsOf(
    ['ticker', 'fills', 'bought', 'avg buy', 'sold', 'avg sell', 'position', 'realized P&L'],
    [
      ...s.pnl.tickers.map((t) => [
        esc(t.ticker),
        t.fills,
        n(t.boughtQty, 0),
        t.avgBuyPrice === null ? '-' : n(t.avgBuyPrice, 4),
        n(t.soldQty, 0),
        t.avgSellPrice === null ? '-' : n(t.avgSellPrice, 4),
        n(t.position, 0),
        money(t.realized),
      ]),
      ['<b>total</b>', '', '', '', '', '', '', money(s.pnl.realized)],
    ],
  )}</section>`;
}

function rejectionsSection(s: ReviewSummary): string {
  if (!s.rejections.length) return '';
  return `<section><h2>Rejections and failures by reason</h2>${rowsOf(
    ['reason', 'orders', 'status'],
    s.rejections.slice(0, 30).map((r) => [
      esc(r.example),
      r.count,
      esc(
        Object.entries(r.statuses)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ),
    ]),
  )}</section>`;
}

function blocksSection(s: ReviewSummary): string {
  if (!s.blocks) return '';
  const b = s.blocks;
  return `<section><h2>Blocks</h2><p>${int(b.count)} blocks, ${int(b.multiLeg)} with two or more legs sent. Leg skew (first → last leg submitted): ${b.skewMs ? `p50 ${msf(b.skewMs.p50)} ms, p90 ${msf(b.skewMs.p90)} ms, p99 ${msf(b.skewMs.p99)} ms, max ${msf(b.skewMs.max)} ms` : '-'}.</p>${
    b.worst.length
      ? rowsOf(
          ['block', 'legs', 'skew ms'],
          b.worst.map((w) => [esc(w.block), w.legs, msf(w.skewMs)]),
        )
      : ''
  }</section>`;
}

function lifecyclesSection(s: ReviewSummary): string {
  const life = (c: Lifecycle) =>
    `<li><span class="mono">${esc(c.id)}</span> ${esc(c.ticker)} ${esc(c.side)} — ${esc(c.status)}${c.submitToFillMs !== undefined ? `, sent → fill ${msf(c.submitToFillMs)} ms` : ''}<br><span class="mono">${c.steps.map((st, i) => esc(i ? `${st.status} +${msf(st.sinceFirstMs)}ms` : `${st.status} ${formatTime(st.at)}`)).join(' → ')}</span></li>`;
  const l = s.lifecycles;
  const slowest =
    !l.all && l.slowest.length
      ? `<h2>Order lifecycles — slowest to fill</h2><ol class="life">${l.slowest.map(life).join('')}</ol>`
      : '';
  const examples = l.examples.length
    ? `<h2>Order lifecycles${l.all ? '' : ' — examples'}</h2><ol class="life">${l.examples.map(life).join('')}</ol>`
    : '';
  return slowest || examples ? `<section>${slowest}${examples}</section>` : '';
}
