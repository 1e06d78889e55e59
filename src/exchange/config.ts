// Options of the embedded paper exchange.
import { z } from 'zod';
import { sessionCloseFields } from '../market/market-hours.js';

export const paperBrokerSchema = z
  .object({
    type: z.literal('paper'),
    /**
     * One-way venue latency, ms, applied before answering a submit or cancel; 0 to 60,000.
     * @default 0
     */
    latencyMs: z.number().min(0).max(60_000).default(0),
    /**
     * Starting cash of the paper account; up to 1e12.
     * @default 100000
     */
    cash: z.number().positive().max(1e12).default(100_000),
    /**
     * Sell short what the account does not hold.
     * @default true
     */
    allowShort: z.boolean().default(true),
    /**
     * Share of submits answered with a 503, the order not created (0 to 1).
     * @default 0
     */
    failureRate: z.number().min(0).max(1).default(0),
    /**
     * Share of submits whose answer is lost: the order exists, the client times out (0 to 1).
     * @default 0
     */
    timeoutRate: z.number().min(0).max(1).default(0),
    /**
     * The gateway's allowance: a bucket of this many submits, refilled smoothly over a minute; beyond it, 429.
     * @default undefined (no limit)
     */
    rateLimitPerMinute: z.number().int().positive().max(1_000_000).optional(),
    /**
     * Fill at most the displayed bid/ask size per quote update, giving partial fills.
     * @default false
     */
    fillAtDisplayedSize: z.boolean().default(false),
    /**
     * How long a client waits for the venue's answer, ms; up to 600,000.
     * @default 5000
     */
    requestTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    /** the paper market is open from midnight until closeAt (local time in timeZone), every day */
    ...sessionCloseFields,
  })
  .strict();

export type PaperBrokerConfig = z.infer<typeof paperBrokerSchema>;

export function parsePaperBrokerConfig(input: unknown): PaperBrokerConfig {
  return paperBrokerSchema.parse(input);
}
