// Options of the Alpaca market-data feed, apart from its runtime so option checks load no websocket code.
import { z } from 'zod';

export const alpacaQuotesSchema = z.strictObject({
  type: z.literal('alpaca'),
  /** iex: free; sip: every US exchange (paid) */
  feed: z.enum(['iex', 'sip']).default('iex'),
  /** the whole stream URL; default wss://stream.data.alpaca.markets/v2/<feed> */
  url: z.url({ protocol: /^wss?$/, message: 'url must be a ws(s) URL' }).optional(),
  /** default: APCA_API_KEY_ID from the environment, else from ./.env */
  keyId: z.string().min(1).optional(),
  /** default: APCA_API_SECRET_KEY from the environment, else from ./.env */
  secretKey: z.string().min(1).optional(),
  /** also subscribe to trades, which set `last` */
  trades: z.boolean().default(true),
});

export type AlpacaQuotesConfig = z.output<typeof alpacaQuotesSchema>;

export const alpacaDataUrl = (feed: string): string => `wss://stream.data.alpaca.markets/v2/${feed}`;
