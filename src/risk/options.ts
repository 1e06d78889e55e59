// The `risk`, `kill` and `killFile` options of runTrading: one zod schema per key, spread into the
// session's options schema, and the defaults that apply when a trader sets nothing.
import { z } from 'zod';

const got = (v: unknown) => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};
/** a number passing `ok`, else one line naming the option, what it accepts and what it got */
const numberWhere = (name: string, accepts: string, ok: (v: number) => boolean) =>
  z.unknown().transform((v, ctx): number => {
    if (typeof v === 'number' && ok(v)) return v;
    ctx.addIssue({ code: 'custom', message: `${name} must be ${accepts}; got ${got(v)}` });
    return z.NEVER;
  });
const limit = (name: string) =>
  numberWhere(`risk.${name}`, 'a non-negative finite number', (v) => Number.isFinite(v) && v >= 0);
const count = (name: string) =>
  numberWhere(`risk.${name}`, 'a whole number of at least 1', (v) => Number.isInteger(v) && v >= 1);
/** one number for every ticker, or a map ticker → number (checked against the session's tickers) */
const perTicker = (name: string) =>
  z.unknown().transform((v, ctx): number | Record<string, number> => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const out: Record<string, number> = {};
      for (const [ticker, value] of Object.entries(v)) {
        const parsed = limit(`${name}.${ticker}`).safeParse(value);
        if (parsed.success) out[ticker] = parsed.data;
        else ctx.addIssue({ code: 'custom', message: parsed.error.issues[0].message });
      }
      return out;
    }
    const parsed = limit(name).safeParse(v);
    if (parsed.success) return parsed.data;
    ctx.addIssue({
      code: 'custom',
      message: `risk.${name} must be a non-negative finite number, or a map { TICKER: number }; got ${got(v)}`,
    });
    return z.NEVER;
  });

export const riskLimitsSchema = z.strictObject({
  /**
   * Largest quantity of one order.
   * @default undefined (no limit)
   */
  maxOrderQuantity: limit('maxOrderQuantity').optional(),
  /**
   * Largest quantity × limit price of one order (the mid, for a market order).
   * @default undefined (no limit)
   */
  maxOrderNotional: limit('maxOrderNotional').optional(),
  /**
   * A buy limit this many percent above the mid, or a sell limit this far below it, is refused
   * (the aggressive side only); above 0, at most 100.
   * @default 10
   */
  priceBandPct: numberWhere(
    'risk.priceBandPct',
    'a percentage above 0 and at most 100',
    (v) => v > 0 && v <= 100,
  ).optional(),
  /**
   * A market order on a quote older than this (or on no quote) is refused, ms.
   * @default 30000
   */
  maxQuoteAgeMs: limit('maxQuoteAgeMs').optional(),
  /**
   * Held + open + this order, per ticker: one number, or { TICKER: number }.
   * @default undefined (no limit)
   */
  maxPositionQuantity: perTicker('maxPositionQuantity').optional(),
  /**
   * Held + open + this order at the mid, per ticker: one number, or { TICKER: number }.
   * @default undefined (no limit)
   */
  maxPositionNotional: perTicker('maxPositionNotional').optional(),
  /**
   * Σ |held| × mid + every open order + this order.
   * @default undefined (no limit)
   */
  maxGrossExposure: limit('maxGrossExposure').optional(),
  /**
   * Σ held × mid + open buys − open sells + this order.
   * @default undefined (no limit)
   */
  maxNetExposure: limit('maxNetExposure').optional(),
  /**
   * Orders open at once, this one included; whole, at least 1.
   * @default undefined (no limit)
   */
  maxOpenOrders: count('maxOpenOrders').optional(),
  /**
   * false: a sell that would leave a short position is refused.
   * @default true
   */
  allowShort: z.boolean().optional(),
  /**
   * A block with more legs is refused whole; whole, at least 1.
   * @default undefined (no limit)
   */
  maxLegsPerBlock: count('maxLegsPerBlock').optional(),
  /**
   * The strategy's own budget of orders in any minute, apart from the broker's rate limit.
   * @default undefined (no limit)
   */
  maxOrdersPerMinute: count('maxOrdersPerMinute').optional(),
  /**
   * The same ticker / side / quantity / price again within this many ms, while the first is open, is refused.
   * @default undefined (no check)
   */
  duplicateWindowMs: limit('duplicateWindowMs').optional(),
  /**
   * Loss of the day (realized, earlier sessions too, + unrealized at the mids) that fires onBreach.
   * @default undefined (no limit)
   */
  maxDailyLoss: limit('maxDailyLoss').optional(),
  /**
   * The day's P&L this far below its best of this session fires onBreach.
   * @default undefined (no limit)
   */
  maxDrawdown: limit('maxDrawdown').optional(),
  /**
   * What a loss limit does: 'halt' (cancel open orders, refuse everything after), 'reduce' (only
   * reducing orders pass) or 'flatten' (end the session with liquidation, endReason 'risk').
   * @default 'halt'
   */
  onBreach: z.enum(['halt', 'reduce', 'flatten']).optional(),
  /**
   * 'legs': each leg is checked alone; 'all-or-none': one refused leg refuses the whole block.
   * @default 'legs'
   */
  blockPolicy: z.enum(['legs', 'all-or-none']).optional(),
});

type Describe = (issue: z.core.$ZodIssue, prefix: string) => string;

/**
 * The risk-related keys of runTrading's options. `describe` is the options' one-line formatter, so
 * a problem inside `risk` reads like any other option's (`risk.onBreach must be one of …`).
 */
export function riskOptionKeys(describe: Describe) {
  return {
    /**
     * Pre-trade limits and loss limits; `false` turns every check off, explicitly.
     * @default { priceBandPct: 10, maxQuoteAgeMs: 30000 }
     */
    risk: z
      .custom<RiskOption>(() => true)
      .transform((v, ctx): RiskInput | false | undefined => {
        if (v === false || v === undefined) return v;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          ctx.addIssue({
            code: 'custom',
            message: `risk must be an object of limits, or false to turn every check off; got ${got(v)}`,
          });
          return z.NEVER;
        }
        const parsed = riskLimitsSchema.safeParse(v, { reportInput: true });
        if (parsed.success) return parsed.data;
        for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: describe(issue, 'risk.') });
        return z.NEVER;
      })
      .optional(),
    /**
     * What the kill switch does: cancel open orders and (unless flatten: false) flatten every position.
     * @default { flatten: true }
     */
    kill: z.strictObject({ flatten: z.boolean().default(true) }).optional(),
    /**
     * The session is killed when this file appears.
     * @default undefined (no kill file)
     */
    killFile: z.string().trim().min(1, 'killFile must be a file path').optional(),
  };
}

export type RiskInput = z.output<typeof riskLimitsSchema>;
/** what a trader writes: every limit optional; a per-ticker limit as one number or { TICKER: number } */
export type RiskOption =
  | false
  | (Omit<Partial<RiskInput>, 'maxPositionQuantity' | 'maxPositionNotional'> & {
      maxPositionQuantity?: number | Record<string, number>;
      maxPositionNotional?: number | Record<string, number>;
    });

/**
 * The limits in force. Two defaults stop the obvious disasters without getting in the way of any
 * ordinary strategy: a 10% price band (a limit buy 10% above the market is a typo, not a trade) and
 * a 30 s stale-quote check for market orders (a market order on a dead feed fills at an unknown
 * price). Every other limit depends on the account, so salvo cannot guess it.
 */
export interface RiskLimits extends Omit<RiskInput, 'onBreach' | 'blockPolicy' | 'allowShort'> {
  onBreach: 'halt' | 'reduce' | 'flatten';
  blockPolicy: 'legs' | 'all-or-none';
  allowShort: boolean;
}

export const RISK_DEFAULTS = { priceBandPct: 10, maxQuoteAgeMs: 30_000 } as const;

/** undefined when checks are off (`risk: false`) */
export function resolveLimits(input: RiskInput | false | undefined): RiskLimits | undefined {
  if (input === false) return undefined;
  return {
    ...RISK_DEFAULTS,
    ...input,
    onBreach: input?.onBreach ?? 'halt',
    blockPolicy: input?.blockPolicy ?? 'legs',
    allowShort: input?.allowShort ?? true,
  };
}

/** one problem per per-ticker map entry that names a ticker the session does not trade */
export function unknownTickers(
  input: RiskInput | false | undefined,
  tickers: readonly string[],
): Array<{ path: string[]; message: string }> {
  if (!input) return [];
  const known = new Set(tickers);
  const out: Array<{ path: string[]; message: string }> = [];
  for (const key of ['maxPositionQuantity', 'maxPositionNotional'] as const) {
    const map = input[key];
    if (typeof map !== 'object') continue;
    for (const ticker of Object.keys(map)) {
      if (!known.has(ticker))
        out.push({
          path: ['risk', key],
          message: `risk.${key} names '${ticker}', which is not one of this session's tickers (${tickers.join(', ')})`,
        });
    }
  }
  return out;
}
