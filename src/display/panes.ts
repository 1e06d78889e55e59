// The content of each pane as lines of coloured segments, fitted to a width. The dashboard puts
// them in blessed boxes; the plain-text output prints them without colour.
import {
  age,
  clip,
  clockTime,
  ms,
  num,
  pnlColor,
  qty,
  seg,
  signed,
  table,
  timeOfDay,
  type Color,
  type Column,
  type Line,
} from './format.js';
import type { DisplaySnapshot } from './snapshot.js';
import { withoutStrategy } from '../orders/order.js';

const STATUS_COLOR: Record<string, Color> = {
  filled: 'green',
  partially_filled: 'cyan',
  new: 'white',
  submitted: 'blue',
  queued: 'gray',
  created: 'gray',
  canceled: 'yellow',
  expired: 'yellow',
  rejected: 'red',
  failed: 'red',
};
const TRADING_COLOR: Record<string, Color> = { ACTIVE: 'green', REDUCING: 'yellow', HALTED: 'red' };
const PHASE_COLOR: Record<string, Color> = {
  'warm-up': 'yellow',
  running: 'green',
  'end of session': 'magenta',
  done: 'cyan',
  starting: 'gray',
};

/** `interactive`: the dashboard, which takes keys */
export function headerLines(s: DisplaySnapshot, width: number, interactive = true): Line[] {
  const h = s.header;
  const phase = h.stopping && h.phase === 'running' ? `stopping (${h.endReason})` : h.phase;
  const first: Line = [
    seg('salvo ', 'cyan', true),
    seg(h.strategy, undefined, true),
    seg('  broker '),
    seg(h.broker, 'white'),
    seg('  quotes '),
    seg(h.quotes, 'white'),
    seg('  phase '),
    seg(phase.toUpperCase(), PHASE_COLOR[h.phase] ?? 'white', true),
    // ACTIVE goes without saying (and without the width a narrow terminal does not have)
    ...(h.trading && h.trading.state !== 'ACTIVE'
      ? [seg('  trading '), seg(h.trading.state, TRADING_COLOR[h.trading.state] ?? 'white', true)]
      : []),
    ...(interactive && !h.stopping && (h.phase === 'running' || h.phase === 'warm-up')
      ? [seg('   q: stop  K: kill', 'gray')]
      : []),
  ];
  const e = s.execution;
  const errors = e.strategyErrors + e.errors;
  const second: Line = [
    seg('elapsed '),
    seg(clockTime(h.elapsedMs), undefined, true),
    seg('  remaining '),
    seg(clockTime(h.remainingMs), h.remainingMs < 10_000 && h.phase === 'running' ? 'yellow' : undefined, true),
    seg(` / ${clockTime(h.runMs)}  tick ${h.ticks} every ${period(h.frequencyMs)}  EOS ${h.eosBehavior}  `),
    seg(`errors ${errors}`, errors ? 'red' : undefined),
    seg('  '),
    seg(`warnings ${e.warnings}`, e.warnings ? 'yellow' : undefined),
    ...(h.trading?.refused ? [seg('  '), seg(`risk refused ${h.trading.refused}`, 'yellow')] : []),
    ...(h.trading && h.trading.state !== 'ACTIVE'
      ? [seg(`  ${h.trading.state}: ${h.trading.reason}`, TRADING_COLOR[h.trading.state])]
      : []),
  ];
  return [clip(first, width), clip(second, width)];
}

const POSITION_COLUMNS: Column[] = [
  { title: 'ticker', width: 7 },
  { title: 'qty', width: 8, align: 'right' },
  { title: 'avg price', width: 9, align: 'right' },
  { title: 'last', width: 10, align: 'right', drop: 3 },
  { title: 'mkt value', width: 11, align: 'right', drop: 2 },
  { title: 'unreal P&L', width: 11, align: 'right' },
  { title: '% chg', width: 7, align: 'right', drop: 1 },
];

/** the table, its TOTAL row and (unless `summary` is false) the P&L summary line */
export function positionLines(s: DisplaySnapshot, width: number, summary = true): Line[] {
  const t = s.totals;
  const rows = s.positions.map((p) => [
    p.ticker,
    qty(p.quantity),
    num(p.boughtAt),
    num(p.last),
    num(p.marketValue),
    seg(signed(p.unrealizedPnl), pnlColor(p.unrealizedPnl)),
    seg(signed(p.pctChange), pnlColor(p.pctChange)),
  ]);
  rows.push([
    seg('TOTAL', undefined, true),
    '',
    '',
    '',
    seg(num(t.marketValue), undefined, true),
    seg(signed(t.unrealizedPnl), pnlColor(t.unrealizedPnl), true),
    seg(signed(t.pctChange), pnlColor(t.pctChange)),
  ]);
  const lines = table(POSITION_COLUMNS, rows, width);
  if (!s.positions.length) lines.splice(1, 0, [seg('(no positions)', 'gray')]);
  if (summary) lines.push(positionSummary(s, width));
  return lines;
}

/** realized and total P&L, cash and equity on one line */
export function positionSummary(s: DisplaySnapshot, width: number): Line {
  const t = s.totals;
  const summary: Line = [
    seg('realized '),
    seg(signed(t.realizedPnl), pnlColor(t.realizedPnl)),
    seg('  P&L '),
    seg(signed(t.pnl), pnlColor(t.pnl)),
    ...(t.cash === undefined ? [] : [seg(`  cash ${num(t.cash)}  equity ${num(t.equity)}`)]),
  ];
  return clip(summary, width);
}

const TRADE_COLUMNS: Column[] = [
  { title: 'time', width: 12, drop: 4 },
  { title: 'client order id', width: 22 },
  { title: 'ticker', width: 6 },
  { title: 'side', width: 4, drop: 2 },
  { title: 'action', width: 12, drop: 1 },
  { title: 'status', width: 16 },
  { title: 'price', width: 9, align: 'right' },
  { title: 'qty', width: 9, align: 'right', drop: 3 },
  { title: 'reason', width: 30, drop: 0 },
];

export function tradeLines(s: DisplaySnapshot, width: number): Line[] {
  if (!s.trades.length) return [[seg('(no trade updates yet)', 'gray')]];
  const rows = s.trades.map((t) => {
    const color = STATUS_COLOR[t.status];
    return [
      timeOfDay(t.at),
      withoutStrategy(t.clientOrderId), // the runner's own strategy id on every row would crowd the column out
      t.ticker,
      t.side,
      t.action,
      seg(t.status, color, t.status === 'filled'),
      t.price === undefined ? 'mkt' : num(t.price),
      `${qty(t.filledQty)}/${qty(t.quantity)}`,
      seg(t.reason ?? '', color),
    ];
  });
  // the reason column only when there is room for all the others
  const cols = width >= TRADE_COLUMNS.reduce((n, c) => n + c.width + 1, 0) ? TRADE_COLUMNS : TRADE_COLUMNS.slice(0, -1);
  return table(cols, rows, width);
}

export function executionLines(s: DisplaySnapshot, width: number): Line[] {
  const e = s.execution;
  const f = e.final;
  const lines: Line[] = [
    [
      seg('queue '),
      seg(String(e.queue), e.queue ? 'yellow' : undefined, true),
      seg('  in flight '),
      seg(String(e.inFlight), undefined, true),
      seg('  budget '),
      seg(`${e.budget}/${e.capacity}`, e.budget === 0 ? 'red' : undefined, true),
    ],
    [
      seg('ack p50 '),
      seg(ms(e.ackP50), undefined, true),
      seg('  p99 '),
      seg(ms(e.ackP99), e.ackP99 !== undefined && e.ackP99 > 1000 ? 'yellow' : undefined, true),
      seg(`  (${e.ackSamples} orders)`, 'gray'),
    ],
    [
      seg('retries '),
      seg(String(e.retries), e.retries ? 'yellow' : undefined),
      seg('  rejections '),
      seg(String(e.rejections), e.rejections ? 'red' : undefined),
      seg('  overruns '),
      seg(String(e.overruns), e.overruns ? 'yellow' : undefined),
    ],
  ];
  // workers: "w1 2/140" = in flight / sent, packed as many per line as fit
  let line: Line = [seg('workers', 'gray')];
  let used = 7;
  for (const w of e.workers) {
    const text = ` w${w.workerId} ${w.inFlight}/${w.sent}`;
    if (used + text.length > width && line.length > 1) {
      lines.push(line);
      line = [seg('       ')];
      used = 7;
    }
    line.push(seg(text, w.inFlight ? 'cyan' : undefined));
    used += text.length;
  }
  lines.push(line);
  lines.push(
    [
      seg('orders open '),
      seg(String(e.open), undefined, true),
      seg('  filled '),
      seg(String(f.filled), 'green'),
      seg('  canceled '),
      seg(String(f.canceled), f.canceled ? 'yellow' : undefined),
    ],
    [
      seg('       rejected '),
      seg(String(f.rejected), f.rejected ? 'red' : undefined),
      seg('  expired '),
      seg(String(f.expired)),
      seg('  failed '),
      seg(String(f.failed), f.failed ? 'red' : undefined),
    ],
  );
  return lines.map((l) => clip(l, width));
}

const QUOTE_COLUMNS: Column[] = [
  { title: 'ticker', width: 6 },
  { title: 'bid', width: 9, align: 'right' },
  { title: 'ask', width: 9, align: 'right' },
  { title: 'age', width: 6, align: 'right' },
  { title: '', width: 5, drop: 1 },
];

export function quoteLines(s: DisplaySnapshot, width: number): Line[] {
  const rows = s.quotes.map((q) => {
    const color: Color | undefined = q.stale ? 'red' : undefined;
    return [
      seg(q.ticker, color),
      num(q.updates ? q.bid : undefined),
      num(q.updates ? q.ask : undefined),
      seg(age(q.ageMs), color),
      seg(q.stale ? 'STALE' : '', 'red', true),
    ];
  });
  return table(QUOTE_COLUMNS, rows, width);
}

/** newest first */
export function logLines(s: DisplaySnapshot, width: number): Line[] {
  if (!s.log.length) return [[seg('(no log lines)', 'gray')]];
  return [...s.log].reverse().map((l) => {
    const color: Color | undefined = l.level === 'error' ? 'red' : l.level === 'warn' ? 'yellow' : 'gray';
    return clip(
      [
        seg(`${timeOfDay(l.at).slice(0, 8)} `, 'gray'),
        seg(l.level === 'info' ? '' : `${l.level.toUpperCase()} `, color, true),
        seg(oneLine(l.message), l.level === 'info' ? undefined : color),
      ],
      width,
    );
  });
}

/** first line of a message, with the first stack frame's location when it is a stack */
function oneLine(message: string): string {
  const lines = message.split('\n');
  const frame = lines.find((l) => /^\s+at /.test(l));
  return lines[0] + (frame ? `  (${frame.trim()})` : '');
}

/** 250ms, 1s, 1.5s, 1m */
function period(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** a compact quote summary for the pane label */
export function quoteLabel(s: DisplaySnapshot): string {
  return s.staleCount
    ? ` quotes (${s.quotes.length}, ${s.staleCount} stale > ${s.staleAfterMs / 1000}s) `
    : ` quotes (${s.quotes.length}) `;
}
