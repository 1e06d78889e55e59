// Inline SVG charts for the HTML review: drawn here, as text, so the report needs no script, no
// library and no network. Each plotted mark carries class="plot" (the report test counts them).
import { niceStep } from './stats.js';

const W = 720,
  H = 260,
  M = { top: 14, right: 16, bottom: 34, left: 70 };
const PW = W - M.left - M.right,
  PH = H - M.top - M.bottom;

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const f = (v: number) => (Math.round(v * 10) / 10).toString();

function ticks(min: number, max: number, count = 5): number[] {
  if (min === max) {
    min -= 1;
    max += 1;
  }
  const step = niceStep((max - min) / count);
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(a < 10 ? 2 : 0)}`;
}

export const clockLabel = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().slice(11, 19);
const TIME_STEPS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
  10800, 21600, 43200, 86400,
];

/** round clock times (whole seconds, minutes, hours) across [x0, x1], about six of them */
export function timeTicks(x0: number, x1: number): number[] {
  const step = TIME_STEPS.find((s) => (x1 - x0) / s <= 6) ?? 86400;
  const out: number[] = [];
  for (let v = Math.ceil(x0 / step) * step; v <= x1 + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

/** HH:MM:SS, with milliseconds when the whole range is shorter than 20 s */
const timeLabel = (span: number) =>
  span < 20 ? (v: number) => new Date(v * 1000).toISOString().slice(11, 23) : clockLabel;

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  axes: string;
}

function frame(
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  xLabel: (v: number) => string,
  xTicks?: number[],
): Frame {
  if (x0 === x1) {
    x0 -= 1;
    x1 += 1;
  }
  const yt = ticks(Math.min(0, y0), Math.max(0, y1));
  const ylo = Math.min(yt[0], y0),
    yhi = Math.max(yt[yt.length - 1], y1);
  const x = (v: number) => M.left + ((v - x0) / (x1 - x0)) * PW;
  const y = (v: number) => M.top + PH - ((v - ylo) / (yhi - ylo || 1)) * PH;
  const parts: string[] = [];
  for (const v of yt) {
    parts.push(`<line class="grid" x1="${M.left}" x2="${M.left + PW}" y1="${f(y(v))}" y2="${f(y(v))}"/>`);
    parts.push(`<text class="ytick" x="${M.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${compact(v)}</text>`);
  }
  for (const v of xTicks ?? ticks(x0, x1, 6).filter((t) => t >= x0 && t <= x1)) {
    parts.push(`<line class="tick" x1="${f(x(v))}" x2="${f(x(v))}" y1="${M.top + PH}" y2="${M.top + PH + 4}"/>`);
    const anchor = x(v) > M.left + PW - 30 ? 'end' : x(v) < M.left + 30 ? 'start' : 'middle';
    parts.push(
      `<text class="xtick" x="${f(x(v))}" y="${M.top + PH + 18}" text-anchor="${anchor}">${esc(xLabel(v))}</text>`,
    );
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left + PW}" y1="${f(y(0))}" y2="${f(y(0))}"/>`);
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + PH}"/>`);
  return { x, y, axes: parts.join('') };
}

const svg = (label: string, body: string) =>
  `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;

/** a step line over time (value holds until the next point), optionally filled down to zero */
export function lineChart(
  label: string,
  points: Array<[number, number]>,
  opts: { area?: boolean; color: string; xTitle?: string },
): string {
  if (!points.length) return '';
  const xs = points.map((p) => p[0]),
    vs = points.map((p) => p[1]);
  const x0 = xs[0],
    x1 = Math.max(xs[xs.length - 1], x0 + 0.001);
  const fr = frame(x0, x1, Math.min(...vs), Math.max(...vs), timeLabel(x1 - x0), timeTicks(x0, x1));
  let d = `M${f(fr.x(x0))} ${f(fr.y(0))}`;
  for (const [t, v] of points) d += `H${f(fr.x(t))}V${f(fr.y(v))}`;
  d += `H${f(fr.x(x1))}`;
  const area = opts.area
    ? `<path class="area" d="${d}V${f(fr.y(0))}Z" fill="${opts.color}" fill-opacity="0.15" stroke="none"/>`
    : '';
  const dots =
    points.length <= 60
      ? points
          .map(
            ([t, v]) => `<circle class="plot dot" cx="${f(fr.x(t))}" cy="${f(fr.y(v))}" r="2.5" fill="${opts.color}"/>`,
          )
          .join('')
      : '';
  const title = opts.xTitle
    ? `<text class="xtitle" x="${M.left + PW / 2}" y="${H - 2}" text-anchor="middle">${esc(opts.xTitle)}</text>`
    : '';
  return svg(
    label,
    `${fr.axes}${area}<path class="plot line" d="${d}" fill="none" stroke="${opts.color}" stroke-width="1.8"/>${dots}${title}`,
  );
}

export interface Bar {
  from: number;
  to: number;
  value: number;
  tip: string;
}

/** bars over a numeric x range (latency bins, minutes) */
export function barChart(
  label: string,
  bars: Bar[],
  opts: { color: string; xLabel: (v: number) => string; xTitle: string; time?: boolean },
): string {
  if (!bars.length) return '';
  const x0 = bars[0].from,
    x1 = bars[bars.length - 1].to;
  const fr = frame(
    x0,
    x1,
    0,
    Math.max(...bars.map((b) => b.value)),
    opts.xLabel,
    opts.time ? timeTicks(x0, x1) : undefined,
  );
  const rects = bars
    .map((b) => {
      const x = fr.x(b.from),
        w = Math.max(1, fr.x(b.to) - x - 1),
        y = fr.y(b.value);
      return `<rect class="plot bar" x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(Math.max(0, fr.y(0) - y))}" fill="${opts.color}"><title>${esc(b.tip)}</title></rect>`;
    })
    .filter((_, i) => bars[i].value > 0);
  return svg(
    label,
    `${fr.axes}${rects.join('')}<text class="xtitle" x="${M.left + PW / 2}" y="${H - 2}" text-anchor="middle">${esc(opts.xTitle)}</text>`,
  );
}
