// The hours of a market salvo keeps itself (the paper venue; FIX, which has no market clock):
// open from local midnight to closeAt in timeZone, every day. 'EOD' sessions end 30 s before it.
import { z } from 'zod';

const validTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** the schema fields of such a market, shared by every broker config that has one */
export const sessionCloseFields = {
  /**
   * The market's daily close, 'HH:MM' local time in timeZone: 'EOD' sessions end 30 s before it.
   * @default '16:00'
   */
  closeAt: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "closeAt must be a time like '16:00'")
    .default('16:00'),
  /**
   * The IANA time zone of closeAt.
   * @default 'America/New_York'
   */
  timeZone: z
    .string()
    .refine(validTimeZone, { message: 'timeZone must be an IANA time zone like America/New_York' })
    .default('America/New_York'),
};

const DAY_MS = 86_400_000;

// building a formatter costs far more than using one; the clock is asked often
const formatters = new Map<string, Intl.DateTimeFormat>();

/** wall-clock fields of `epochMs` in `timeZone` */
function zonedFields(
  epochMs: number,
  timeZone: string,
): { y: number; m: number; d: number; h: number; min: number; s: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
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

export interface MarketHours {
  isOpen: boolean;
  nextOpen: number;
  nextClose: number;
}

/** Open from local midnight to closeAt, every day: sessions can be tried any day before the close. */
export function marketHours(config: { closeAt: string; timeZone: string }, nowMs: number): MarketHours {
  const [closeH, closeMin] = config.closeAt.split(':').map(Number);
  const today = zonedFields(nowMs, config.timeZone);
  // noon avoids DST edges when stepping to the next calendar day
  const tomorrow = zonedFields(Date.UTC(today.y, today.m - 1, today.d, 12) + DAY_MS, 'UTC');
  const closeToday = zonedInstant(today.y, today.m, today.d, closeH, closeMin, config.timeZone);
  const nextOpen = zonedInstant(tomorrow.y, tomorrow.m, tomorrow.d, 0, 0, config.timeZone);
  const isOpen = nowMs < closeToday;
  const nextClose = isOpen
    ? closeToday
    : zonedInstant(tomorrow.y, tomorrow.m, tomorrow.d, closeH, closeMin, config.timeZone);
  return { isOpen, nextOpen, nextClose };
}
