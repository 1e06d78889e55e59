// Options of the embedded paper exchange, and the paper market's hours that follow from them.
import { z } from 'zod';

const validTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const paperBrokerSchema = z.object({
  type: z.literal('paper'),
  /** one-way venue latency, applied before answering a submit or cancel */
  latencyMs: z.number().min(0).default(0),
  cash: z.number().positive().default(100_000),
  allowShort: z.boolean().default(true),
  /** share of submits answered with a 503, the order not created */
  failureRate: z.number().min(0).max(1).default(0),
  /** share of submits whose answer is lost: the order exists, the client times out */
  timeoutRate: z.number().min(0).max(1).default(0),
  /** the gateway's allowance: a bucket of this many submits, refilled smoothly over a minute; beyond it, 429 */
  rateLimitPerMinute: z.number().int().positive().optional(),
  /** fill at most the displayed bid/ask size per quote update, giving partial fills */
  fillAtDisplayedSize: z.boolean().default(false),
  /** how long a client waits for the venue's answer */
  requestTimeoutMs: z.number().int().positive().default(5000),
  /** the paper market is open from midnight until this local time, every day */
  closeAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "closeAt must be a time like '16:00'").default('16:00'),
  timeZone: z.string().refine(validTimeZone, { message: 'timeZone must be an IANA time zone like America/New_York' }).default('America/New_York'),
}).strict();

export type PaperBrokerConfig = z.infer<typeof paperBrokerSchema>;

export function parsePaperBrokerConfig(input: unknown): PaperBrokerConfig {
  return paperBrokerSchema.parse(input);
}

const DAY_MS = 86_400_000;

// building a formatter costs far more than using one; the clock is asked often
const formatters = new Map<string, Intl.DateTimeFormat>();

/** wall-clock fields of `epochMs` in `timeZone` */
function zonedFields(epochMs: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour'), min: get('minute'), s: get('second') };
}

/** the instant when the local clock in `timeZone` reads y-m-d h:min (second pass fixes DST offset changes) */
function zonedInstant(y: number, m: number, d: number, h: number, min: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d, h, min);
  let guess = wall;
  for (let pass = 0; pass < 2; pass++) {
    const f = zonedFields(guess, timeZone);
    const offset = Date.UTC(f.y, f.m - 1, f.d, f.h, f.min, f.s) - Math.floor(guess / 1000) * 1000;
    guess = wall - offset;
  }
  return guess;
}

export interface PaperMarketHours { isOpen: boolean; nextOpen: number; nextClose: number }

/** Open from local midnight to closeAt, every day: sessions can be tried any day before the close. */
export function paperMarketHours(config: Pick<PaperBrokerConfig, 'closeAt' | 'timeZone'>, nowMs: number): PaperMarketHours {
  const [closeH, closeMin] = config.closeAt.split(':').map(Number);
  const today = zonedFields(nowMs, config.timeZone);
  // noon avoids DST edges when stepping to the next calendar day
  const tomorrow = zonedFields(Date.UTC(today.y, today.m - 1, today.d, 12) + DAY_MS, 'UTC');
  const closeToday = zonedInstant(today.y, today.m, today.d, closeH, closeMin, config.timeZone);
  const nextOpen = zonedInstant(tomorrow.y, tomorrow.m, tomorrow.d, 0, 0, config.timeZone);
  const isOpen = nowMs < closeToday;
  const nextClose = isOpen ? closeToday : zonedInstant(tomorrow.y, tomorrow.m, tomorrow.d, closeH, closeMin, config.timeZone);
  return { isOpen, nextOpen, nextClose };
}
