// Formatting shared by the full-screen dashboard and the plain-text snapshot: a line is a list of
// segments, each with an optional colour; the dashboard turns colours into blessed tags, the text
// output drops them. Tables drop their least important columns first when the width is short.
// ASCII only (truncation shows '~'): the display must read the same on a terminal without UTF-8.

export type Color = 'green' | 'red' | 'yellow' | 'cyan' | 'blue' | 'magenta' | 'gray' | 'white';
export interface Segment {
  text: string;
  color?: Color;
  bold?: boolean;
}
export type Line = Segment[];

export const seg = (text: string, color?: Color, bold?: boolean): Segment => ({ text, color, bold });

export interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
  /** columns with a drop rank go first when space is short, lowest rank first; none: always kept */
  drop?: number;
}

export type Cell = string | Segment;

/** header line + one line per row, fitted to `width` characters */
export function table(columns: readonly Column[], rows: ReadonlyArray<readonly Cell[]>, width: number): Line[] {
  const keep = fitColumns(columns, width);
  const line = (cells: readonly Cell[], header = false): Line => {
    const out: Line = [];
    keep.forEach((ci, k) => {
      const col = columns[ci];
      const cell = cells[ci] ?? '';
      const s: Segment = typeof cell === 'string' ? { text: cell } : cell;
      const text = pad(s.text, col.width, col.align ?? 'left');
      out.push({ ...s, text: (k ? ' ' : '') + text, ...(header ? { color: 'gray' as Color } : {}) });
    });
    return out;
  };
  return [
    line(
      columns.map((c) => c.title),
      true,
    ),
    ...rows.map((r) => line(r)),
  ];
}

function fitColumns(columns: readonly Column[], width: number): number[] {
  const keep = columns.map((_, i) => i);
  const used = () => keep.reduce((n, i) => n + columns[i].width, 0) + Math.max(0, keep.length - 1);
  const droppable = keep
    .flatMap((i) => {
      const drop = columns[i].drop;
      return drop === undefined ? [] : [{ i, drop }];
    })
    .sort((a, b) => a.drop - b.drop);
  for (const { i } of droppable) {
    if (used() <= width) break;
    keep.splice(keep.indexOf(i), 1);
  }
  return keep;
}

export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (text.length > width) return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}~`;
  return align === 'right' ? text.padStart(width) : text.padEnd(width);
}

/** truncate a line (segments) to `width` characters */
export function clip(line: Line, width: number): Line {
  const out: Line = [];
  let left = width;
  for (const s of line) {
    if (left <= 0) break;
    if (s.text.length <= left) {
      out.push(s);
      left -= s.text.length;
      continue;
    }
    out.push({ ...s, text: left > 1 ? `${s.text.slice(0, left - 1)}~` : s.text.slice(0, left) });
    left = 0;
  }
  return out;
}

export const plain = (line: Line): string => line.map((s) => s.text).join('');

/** blessed tags; `{` and `}` in the text are escaped */
export function tagged(line: Line): string {
  return line
    .map((s) => {
      let t = s.text.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
      if (s.color) t = `{${s.color}-fg}${t}{/${s.color}-fg}`;
      if (s.bold) t = `{bold}${t}{/bold}`;
      return t;
    })
    .join('');
}

export function num(n: number | undefined, digits = 2): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  // toFixed and a grouping regex: toLocaleString builds a number formatter per call (~10 µs)
  const [int, frac] = Math.abs(n).toFixed(digits).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+$)/g, ',');
  return (n < 0 && Number(Math.abs(n).toFixed(digits)) !== 0 ? '-' : '') + grouped + (frac ? `.${frac}` : '');
}

export function signed(n: number | undefined, digits = 2): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return (n > 0 ? '+' : '') + num(n, digits);
}

export function qty(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, '');
}

export const pnlColor = (n: number | undefined): Color | undefined =>
  n === undefined || Math.abs(n) < 0.005 ? undefined : n > 0 ? 'green' : 'red';

/** 0:00:05 / 1:02:03; under an hour m:ss */
export function clockTime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** an age: 120ms, 3.4s, 2m05s */
export function age(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'never';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

export function ms(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return n < 10 ? `${n.toFixed(2)}ms` : n < 1000 ? `${n.toFixed(1)}ms` : `${(n / 1000).toFixed(2)}s`;
}

/** local wall time HH:MM:SS.mmm */
export function timeOfDay(at: number): string {
  const d = new Date(at);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
