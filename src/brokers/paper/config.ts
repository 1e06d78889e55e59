// Options of the embedded paper exchange.
import { z } from 'zod';
import { sessionCloseFields } from '../market-hours.js';

export const paperBrokerSchema = z
  .object({
    type: z.literal('paper'),
    /** one-way venue latency, applied before answering a submit or cancel */
    latencyMs: z.number().min(0).max(60_000).default(0),
    cash: z.number().positive().max(1e12).default(100_000),
    allowShort: z.boolean().default(true),
    /** share of submits answered with a 503, the order not created */
    failureRate: z.number().min(0).max(1).default(0),
    /** share of submits whose answer is lost: the order exists, the client times out */
    timeoutRate: z.number().min(0).max(1).default(0),
    /** the gateway's allowance: a bucket of this many submits, refilled smoothly over a minute; beyond it, 429 */
    rateLimitPerMinute: z.number().int().positive().max(1_000_000).optional(),
    /** fill at most the displayed bid/ask size per quote update, giving partial fills */
    fillAtDisplayedSize: z.boolean().default(false),
    /** how long a client waits for the venue's answer */
    requestTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    /** the paper market is open from midnight until closeAt (local time in timeZone), every day */
    ...sessionCloseFields,
  })
  .strict();

export type PaperBrokerConfig = z.infer<typeof paperBrokerSchema>;

export function parsePaperBrokerConfig(input: unknown): PaperBrokerConfig {
  return paperBrokerSchema.parse(input);
}
