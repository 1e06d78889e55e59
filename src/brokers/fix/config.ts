// Options of the FIX 4.4 initiator, checked before a session starts. Kept free of jspurefix so
// validating a session's options does not load the engine.
import { z } from 'zod';
import { sessionCloseFields } from '../market-hours.js';

export const fixBrokerSchema = z
  .object({
    type: z.literal('fix'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    senderCompId: z.string().min(1),
    targetCompId: z.string().min(1),
    /** sent as Username(553) / Password(554) on the Logon */
    username: z.string().optional(),
    password: z.string().optional(),
    /** Account(1) on every order */
    account: z.string().optional(),
    /** QuickFIX's ordermatch example speaks FIX 4.2 only; everything else here is 4.4 */
    beginString: z.enum(['FIX.4.4', 'FIX.4.2']).default('FIX.4.4'),
    heartbeatSeconds: z.number().int().positive().max(3600).default(30),
    /** directory of the QuickFIX-format file store that keeps sequence numbers across restarts */
    storePath: z.string().min(1).optional(),
    /**
     * ResetSeqNumFlag(141)=Y on every Logon. Defaults to true without storePath (nothing remembers
     * the numbers, so the peer would refuse a second run's seq 1) and to false with it.
     */
    resetSeqNumOnLogon: z.boolean().optional(),
    /** how long submit / cancel / getOrder wait for the peer's answer before BrokerTimeoutError */
    requestTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    /** first connection and logon; past it connect() fails with BrokerConnectError */
    connectTimeoutSeconds: z.number().positive().max(600).default(10),
    /** pause between reconnection attempts after the session dropped */
    reconnectSeconds: z.number().positive().max(600).default(1),
    /** FIX order entry has no market clock: 'EOD' uses these hours, as the paper venue does */
    ...sessionCloseFields,
  })
  .strict();

export type FixBrokerConfig = z.infer<typeof fixBrokerSchema>;
export type FixBrokerInput = z.input<typeof fixBrokerSchema>;

export function parseFixBrokerConfig(input: unknown): FixBrokerConfig {
  return fixBrokerSchema.parse(input);
}
