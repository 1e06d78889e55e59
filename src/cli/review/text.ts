// The review as a terminal report. Orders that never reached a terminal status are shouted first.
import path from 'node:path';
import type { Distribution } from './stats.js';
import type { Lifecycle, ReviewSummary } from './summary.js';

const STATUS_ORDER = ['filled', 'canceled', 'rejected', 'expired', 'failed'];
// "sent" is the order's first queued / submitted / pending_new row (see summary.ts)

/**
 * Control characters (C0 but the line end, DEL, C1) and bidi overrides as \u escapes: what a log
 * holds is shown, never sent to the terminal as a command. The escapes are valid JSON too.
 */
export const escapeControls = (text: string): string =>
  text.replace(
    /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

export function formatTime(epochSeconds: number, withDate = false): string {
  const iso = new Date(epochSeconds * 1000).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso.slice(11, 23);
}

const num = (v: number, digits = 2) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const int = (v: number) => v.toLocaleString('en-US');
const signed = (v: number) => `${v >= 0 ? '+' : ''}${num(v)}`;
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '-');

function table(rows: string[][], right: number[] = []): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map(
    (r) =>
      '  ' +
      r
        .map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd(),
  );
}

export function formatReview(s: ReviewSummary): string {
  const damaged = s.files.filter((f) => f.warnings.length);
  const out = [
    ...headLines(s, damaged),
    ...neverTerminalLines(s),
    ...formatJournals(s),
    ...(s.tradingStates ?? []).map((c) => `trading state ${c.state} at ${formatTime(c.at)}: ${c.reason}`),
    ...statusLines(s),
    ...latencyLines(s),
    ...rejectionLines(s),
    ...tickerLines(s),
    ...blockLines(s),
    ...lifecycleSection(s),
    ...warningLines(s, damaged),
  ];
  return `${out.join('\n')}\n`;
}

type FileSummary = ReviewSummary['files'][number];

/** the files, the period, and a pointer to the warnings when a file is damaged */
function headLines(s: ReviewSummary, damaged: FileSummary[]): string[] {
  const out: string[] = [];
  const names = s.files.map((f) => `${path.basename(f.file)} (${f.format}, ${int(f.rows)} rows)`).join(', ');
  const when =
    s.period.start !== null && s.period.end !== null
      ? `, ${formatTime(s.period.start, true)} → ${formatTime(s.period.end)} UTC (${num(s.period.seconds, 1)} s)`
      : '';
  out.push(`salvo review: ${names}; ${int(s.orders.total)} orders${when}`);
  if (damaged.length)
    out.push(
      `warning: ${damaged.map((f) => `${path.basename(f.file)} has ${f.warnings.length + f.moreWarnings} problem(s)`).join('; ')} — see Warnings below`,
    );
  return out;
}

function neverTerminalLines(s: ReviewSummary): string[] {
  if (!s.neverTerminal.count) return [];
  const out = [
    '',
    `!!! ${int(s.neverTerminal.count)} order(s) NEVER REACHED A TERMINAL STATUS (filled, canceled, rejected, expired or failed):`,
  ];
  for (const o of s.neverTerminal.orders) {
    out.push(
      `!!!   ${o.id}  ${o.ticker} ${o.side}  last: ${o.lastStatus} at ${formatTime(o.lastAt)}  (${path.basename(o.file)} line ${o.line})`,
    );
  }
  if (s.neverTerminal.count > s.neverTerminal.orders.length)
    out.push(`!!!   … and ${int(s.neverTerminal.count - s.neverTerminal.orders.length)} more`);
  return out;
}

function statusLines(s: ReviewSummary): string[] {
  const out = ['', 'Orders by final status'];
  const statuses = [...STATUS_ORDER, ...Object.keys(s.orders.byStatus).filter((k) => !STATUS_ORDER.includes(k))];
  const rows = statuses.map((k) => [k, int(s.orders.byStatus[k] ?? 0), pct(s.orders.byStatus[k] ?? 0, s.orders.total)]);
  rows.push(['open', int(s.orders.open), s.orders.open ? 'never terminal' : ''], ['total', int(s.orders.total), '']);
  out.push(...table(rows, [1, 2]));
  const f = s.fillRatio;
  out.push(
    `  fill ratio: ${int(f.filled)} of ${int(f.total)} orders filled (${pct(f.filled, f.total)}); ${int(f.withFills)} with any fill, ${int(f.partialThenEnded)} partly filled then ended`,
  );
  if (s.orders.multipleTerminal)
    out.push(`  warning: ${int(s.orders.multipleTerminal)} order(s) have more than one terminal row`);
  return out;
}

function latencyLines(s: ReviewSummary): string[] {
  const lat = (label: string, d: Distribution | null) =>
    d ? [label, int(d.count), ms(d.p50), ms(d.p90), ms(d.p99), ms(d.max)] : [label, '0', '-', '-', '-', '-'];
  return [
    '',
    'Latency (ms)',
    ...table(
      [
        ['', 'n', 'p50', 'p90', 'p99', 'max'],
        lat('sent → ack (new)', s.latencyMs.submitToAck),
        lat('sent → first fill', s.latencyMs.submitToFill),
      ],
      [1, 2, 3, 4, 5],
    ),
  ];
}

function rejectionLines(s: ReviewSummary): string[] {
  const out = ['', 'Rejections and failures by reason'];
  if (!s.rejections.length) out.push('  none');
  for (const r of s.rejections.slice(0, 15)) {
    const kinds = Object.entries(r.statuses)
      .map(([k, n]) => `${k} ${int(n)}`)
      .join(', ');
    out.push(`  ${int(r.count).padStart(7)}  ${r.example}  (${kinds})`);
  }
  if (s.rejections.length > 15) out.push(`  … and ${s.rejections.length - 15} more reasons`);
  return out;
}

function tickerLines(s: ReviewSummary): string[] {
  const head = ['', `Per ticker (fills = increases of executed_qty; P&L at ${s.pnl.method})`];
  const tick = s.pnl.tickers.map((t) => [
    t.ticker,
    int(t.fills),
    num(t.boughtQty, 0),
    t.avgBuyPrice === null ? '-' : num(t.avgBuyPrice, 4),
    num(t.soldQty, 0),
    t.avgSellPrice === null ? '-' : num(t.avgSellPrice, 4),
    num(t.position, 0),
    signed(t.realized),
  ]);
  if (!tick.length) return [...head, '  no fills'];
  return [
    ...head,
    ...table(
      [
        ['ticker', 'fills', 'bought', 'avg buy', 'sold', 'avg sell', 'position', 'realized P&L'],
        ...tick,
        ['total', '', '', '', '', '', '', signed(s.pnl.realized)],
      ],
      [1, 2, 3, 4, 5, 6, 7],
    ),
  ];
}

function blockLines(s: ReviewSummary): string[] {
  const b = s.blocks;
  if (!b) return [];
  const skew = b.skewMs
    ? `leg skew (first → last leg submitted) p50 ${ms(b.skewMs.p50)} ms, p90 ${ms(b.skewMs.p90)} ms, p99 ${ms(b.skewMs.p99)} ms, max ${ms(b.skewMs.max)} ms`
    : 'no block had two legs sent';
  return [
    '',
    `Blocks: ${int(b.count)}, ${int(b.multiLeg)} with two or more legs sent; ${skew}`,
    ...b.worst.slice(0, 3).map((w) => `  block ${w.block}: ${w.legs} legs, skew ${ms(w.skewMs)} ms`),
  ];
}

function lifecycleSection(s: ReviewSummary): string[] {
  const l = s.lifecycles;
  const out = [
    '',
    l.all
      ? 'Order lifecycles'
      : `Order lifecycles (the ${l.slowest.length} slowest to fill, then ${l.examples.length} more examples of ${int(s.orders.total)} orders)`,
  ];
  if (!l.all && l.slowest.length) {
    out.push('  slowest sent → first fill:');
    for (const c of l.slowest) out.push(...lifecycleLines(c));
    if (l.examples.length) out.push('  examples:');
  }
  for (const c of l.examples) out.push(...lifecycleLines(c));
  return out;
}

function warningLines(s: ReviewSummary, damaged: FileSummary[]): string[] {
  const a = s.anomalies;
  const notes = [
    a.rowsAfterTerminal && `${int(a.rowsAfterTerminal)} row(s) after an order's terminal status`,
    a.qtyDecreased && `${int(a.qtyDecreased)} row(s) where executed_qty went down`,
    a.unknownSide && `${int(a.unknownSide)} fill(s) with a side that is neither buy nor sell (left out of P&L)`,
  ].filter(Boolean);
  if (!damaged.length && !notes.length) return [];
  const out = ['', 'Warnings'];
  for (const n of notes) out.push(`  ${n}`);
  for (const file of damaged) {
    for (const w of file.warnings) out.push(`  ${path.basename(file.file)}: ${w.message}`);
    if (file.moreWarnings) out.push(`  ${path.basename(file.file)}: … and ${int(file.moreWarnings)} more`);
  }
  return out;
}

function lifecycleLines(c: Lifecycle): string[] {
  const where = [c.block && `block ${c.block}`, c.worker && `worker ${c.worker}`].filter(Boolean).join(', ');
  const head = `  ${c.id}  ${c.ticker} ${c.side}${c.action ? ` ${c.action}` : ''}${where ? ` (${where})` : ''}: ${c.status}${c.submitToFillMs !== undefined ? `, sent → fill ${ms(c.submitToFillMs)} ms` : ''}`;
  if (!c.steps.length) return [head];
  let prevQty = 0,
    prevPrice = 0;
  const parts = c.steps.map((step, i) => {
    // the fill's own price: what keeps the order's average (executed_price) where the row says
    const fillPrice = (step.qty * step.price - prevQty * prevPrice) / (step.qty - prevQty);
    const filled =
      step.qty > prevQty + 1e-9
        ? ` ${num(step.qty - prevQty, 0)}@${num(fillPrice > 0 ? fillPrice : step.price, 2)}`
        : '';
    if (step.qty > prevQty) {
      prevQty = step.qty;
      prevPrice = step.price;
    }
    return i === 0 ? `${step.status} ${formatTime(step.at)}` : `${step.status}${filled} +${ms(step.sinceFirstMs)}ms`;
  });
  return [head, `      ${parts.join(' → ')}`];
}

/** the order journals beside the CSVs: what the CSV cannot account for, and what to do about it */
function formatJournals(s: ReviewSummary): string[] {
  const out: string[] = [];
  for (const j of s.journals ?? []) {
    const name = path.basename(j.file);
    const session = name.replace(/\.journal$/, '');
    if (!j.unaccounted.count) {
      out.push('', `Order journal ${name}: ${int(j.journaled)} order(s), each with its terminal row in the CSV`);
    } else {
      const open = j.unaccounted.count - j.unaccounted.finalInJournal;
      out.push(
        '',
        `!!! Order journal ${name}: ${int(j.unaccounted.count)} of ${int(j.journaled)} journaled order(s) have NO TERMINAL ROW in the CSV` +
          ` (${int(j.unaccounted.finalInJournal)} final in the journal, ${int(open)} known only to the broker now);` +
          ` \`salvo run --resume ${session}\` asks the broker and writes their rows:`,
      );
      for (const o of j.unaccounted.orders)
        out.push(`!!!   ${o.id}  ${o.ticker} ${o.side}  journal: ${o.lastInJournal}`);
      if (j.unaccounted.count > j.unaccounted.orders.length)
        out.push(`!!!   … and ${int(j.unaccounted.count - j.unaccounted.orders.length)} more`);
    }
    for (const w of j.warnings) out.push(`warning: ${w}`);
  }
  return out;
}
