// The full-screen dashboard (blessed). Six panes laid out from the terminal size: side by side
// when the terminal is wide, stacked when it is 80 columns; every pane scrolls (Tab picks the pane,
// arrows / PgUp / PgDn / Home / End scroll it), so hundreds of tickers never overflow. A frame is
// rebuilt from a snapshot by update(); blessed writes only the cells that changed.
import blessed from 'blessed';
import { clip, plain, seg, tagged, type Line } from './format.js';
import {
  executionLines,
  headerLines,
  logLines,
  positionLines,
  positionSummary,
  quoteLabel,
  quoteLines,
  tradeLines,
} from './panes.js';
import type { DisplaySnapshot } from './snapshot.js';

type PaneName = 'positions' | 'execution' | 'trades' | 'quotes' | 'log';
const PANES: readonly PaneName[] = ['positions', 'trades', 'quotes', 'log', 'execution'];
interface Rect {
  top: number;
  left: number;
  width: number;
  height: number;
}

/** pane rectangles (title line included) for a terminal of `w` × `h` */
export function layout(w: number, h: number): Record<PaneName, Rect> {
  const rest = Math.max(10, h - 2);
  if (w >= 110 && h >= 30) {
    const a = Math.max(8, Math.round(rest * 0.34));
    const b = Math.max(7, Math.round(rest * 0.3));
    const c = rest - a - b;
    const left = Math.floor(w * 0.6);
    const q = Math.floor(w * 0.4);
    return {
      positions: { top: 2, left: 0, width: left - 1, height: a },
      execution: { top: 2, left, width: w - left, height: a },
      trades: { top: 2 + a, left: 0, width: w, height: b },
      quotes: { top: 2 + a + b, left: 0, width: q - 1, height: c },
      log: { top: 2 + a + b, left: q, width: w - q, height: c },
    };
  }
  const l = Math.max(3, Math.round(rest * 0.14));
  const p = Math.max(5, Math.round(rest * 0.27));
  const m = Math.max(6, Math.round(rest * 0.27));
  const t = Math.max(3, rest - p - m - l);
  const half = Math.floor(w / 2);
  return {
    positions: { top: 2, left: 0, width: w, height: p },
    execution: { top: 2 + p, left: 0, width: half - 1, height: m },
    quotes: { top: 2 + p, left: half, width: w - half, height: m },
    trades: { top: 2 + p + m, left: 0, width: w, height: t },
    log: { top: 2 + p + m + t, left: 0, width: w, height: l },
  };
}

/** blessed re-parses content on every setContent; skip it when nothing changed */
const shown = new WeakMap<object, string>();
function set(box: blessed.Widgets.BoxElement, content: string): void {
  if (shown.get(box) === content) return;
  shown.set(box, content);
  box.setContent(content);
}

export interface DashboardOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** q or Ctrl-C */
  onStop: () => void;
  /** K, then y to confirm: the kill switch */
  onKill?: () => void;
  /** whether a kill flattens positions (kill.flatten), for the confirmation prompt */
  killFlattens?: boolean;
}

export class Dashboard {
  readonly screen: blessed.Widgets.Screen;
  private readonly header: blessed.Widgets.BoxElement;
  /** the positions pane's last line, which does not scroll: realized and total P&L, cash, equity */
  private readonly footer: blessed.Widgets.BoxElement;
  private readonly titles = {} as Record<PaneName, blessed.Widgets.BoxElement>;
  private readonly bodies = {} as Record<PaneName, blessed.Widgets.BoxElement>;
  private focused = 0;
  private last: DisplaySnapshot | undefined;
  private stopAsked = false;
  /** K was pressed: the next key confirms (y) or cancels (anything else) the kill */
  private killAsked = false;

  constructor(private readonly options: DashboardOptions) {
    this.screen = blessed.screen({
      input: options.input as never,
      output: options.output as never,
      smartCSR: true,
      autoPadding: true,
      warnings: false,
      title: 'salvo',
      dockBorders: false,
      fullUnicode: false,
    });
    // no wrapping: a header line one column too long must not push the clock line out of its two rows
    this.header = blessed.box({
      parent: this.screen,
      top: 0,
      left: 0,
      width: '100%',
      height: 2,
      tags: true,
      wrap: false,
    });
    for (const name of PANES) {
      this.titles[name] = blessed.box({
        parent: this.screen,
        height: 1,
        tags: true,
        style: { fg: 'white', bg: 'blue', bold: true },
      });
      this.bodies[name] = blessed.box({
        parent: this.screen,
        tags: true,
        scrollable: true,
        alwaysScroll: true,
        wrap: false,
        scrollbar: { ch: ' ', style: { bg: 'gray' } } as never,
      });
    }
    this.footer = blessed.box({ parent: this.screen, height: 1, tags: true });
    this.bindStopKeys();
    this.bindScrollKeys();
    this.screen.on('resize', () => this.redraw());
    this.place();
  }

  /** q stops the session; K then y is the kill switch */
  private bindStopKeys(): void {
    this.screen.key(['q', 'C-c'], () => {
      if (!this.stopAsked) this.options.onStop();
      this.stopAsked = true;
      if (this.last) this.update(this.last);
    });
    // the kill switch takes two keys, so a stray K cannot flatten an account
    this.screen.on('keypress', (ch: string | undefined, key: { full?: string } | undefined) => {
      const k = ch ?? key?.full;
      if (!this.options.onKill) return;
      if (this.killAsked) {
        this.killAsked = false;
        if (k === 'y' || k === 'Y') this.options.onKill();
        if (this.last) this.update(this.last);
      } else if (k === 'K') {
        this.killAsked = true;
        if (this.last) this.update(this.last);
      }
    });
  }

  /** tab / shift-tab move between panes; arrows, pages, home and end scroll the focused one */
  private bindScrollKeys(): void {
    this.screen.key(['tab'], () => {
      this.focused = (this.focused + 1) % PANES.length;
      this.redraw();
    });
    this.screen.key(['S-tab'], () => {
      this.focused = (this.focused + PANES.length - 1) % PANES.length;
      this.redraw();
    });
    const scroll = (by: (body: blessed.Widgets.BoxElement) => void) => () => {
      by(this.bodies[PANES[this.focused]]);
      this.screen.render();
    };
    this.screen.key(
      ['up', 'k'],
      scroll((b) => b.scroll(-1)),
    );
    this.screen.key(
      ['down', 'j'],
      scroll((b) => b.scroll(1)),
    );
    this.screen.key(
      ['pageup'],
      scroll((b) => b.scroll(-Math.max(1, (b.height as number) - 1))),
    );
    this.screen.key(
      ['pagedown', 'space'],
      scroll((b) => b.scroll(Math.max(1, (b.height as number) - 1))),
    );
    this.screen.key(
      ['home', 'g'],
      scroll((b) => b.setScrollPerc(0)),
    );
    this.screen.key(
      ['end', 'S-g'],
      scroll((b) => b.setScrollPerc(100)),
    );
  }

  private place(): void {
    const rects = layout(this.screen.width as number, this.screen.height as number);
    for (const name of PANES) {
      const r = rects[name];
      Object.assign(this.titles[name], { top: r.top, left: r.left, width: r.width });
      const footer = name === 'positions' ? 1 : 0;
      Object.assign(this.bodies[name], {
        top: r.top + 1,
        left: r.left,
        width: r.width,
        height: Math.max(1, r.height - 1 - footer),
      });
      if (footer) Object.assign(this.footer, { top: r.top + r.height - 1, left: r.left, width: r.width });
    }
  }

  private redraw(): void {
    this.place();
    if (this.last) this.update(this.last);
    else this.screen.render();
  }

  update(s: DisplaySnapshot): void {
    this.last = s;
    set(
      this.header,
      headerLines(s, this.screen.width as number)
        .map(tagged)
        .join('\n'),
    );
    const e = s.execution;
    const content: Record<PaneName, [Line, (s: DisplaySnapshot, w: number) => Line[]]> = {
      positions: [[seg(` positions (${s.positions.length}) `)], (x, w) => positionLines(x, w, false)],
      execution: [[seg(' execution ')], executionLines],
      trades: [[seg(` trade updates (latest ${s.trades.length}, newest first) `)], tradeLines],
      quotes: [[seg(quoteLabel(s))], quoteLines],
      log: [[seg(` log, newest first (errors ${e.strategyErrors + e.errors}, warnings ${e.warnings}) `)], logLines],
    };
    set(this.footer, tagged(positionSummary(s, this.footer.width as number)));
    PANES.forEach((name, i) => {
      const [title, lines] = content[name];
      const body = this.bodies[name];
      const titleWidth = this.titles[name].width as number;
      const head = clip([seg(i === this.focused ? '>' : ' '), ...title], titleWidth);
      const stopping =
        name !== 'trades'
          ? []
          : this.killAsked
            ? [
                seg(
                  ` KILL: cancel every open order${this.options.killFlattens === false ? '' : ' and flatten'}? y = yes, any other key = no `,
                  'red',
                  true,
                ),
              ]
            : this.stopAsked && s.header.phase !== 'done'
              ? [seg(` stopping: end of session (${s.header.eosBehavior}) `, 'yellow', true)]
              : [];
      const full = clip([...head, ...stopping], titleWidth);
      set(this.titles[name], tagged(full) + '-'.repeat(Math.max(0, titleWidth - plain(full).length)));
      set(
        body,
        lines(s, Math.max(10, (body.width as number) - 1))
          .map(tagged)
          .join('\n'),
      );
    });
    this.screen.render();
  }

  destroy(): void {
    this.screen.destroy();
  }
}
