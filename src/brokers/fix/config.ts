// Options of the FIX 4.4 initiator, checked before a session starts. Kept free of jspurefix so
// validating a session's options does not load the engine.
import { z } from 'zod';
import { sessionCloseFields } from '../../market/market-hours.js';

export const fixBrokerSchema = z
  .object({
    type: z.literal('fix'),
    /** The FIX acceptor's host. */
    host: z.string().min(1),
    /** The FIX acceptor's port, 1 to 65535. */
    port: z.number().int().min(1).max(65535),
    /** SenderCompID(49) of this initiator. */
    senderCompId: z.string().min(1),
    /** TargetCompID(56): the acceptor's CompID. */
    targetCompId: z.string().min(1),
    /**
     * Username(553) on the Logon.
     * @default undefined (not sent)
     */
    username: z.string().optional(),
    /**
     * Password(554) on the Logon.
     * @default undefined (not sent)
     */
    password: z.string().optional(),
    /**
     * Account(1) on every order.
     * @default undefined (not sent)
     */
    account: z.string().optional(),
    /**
     * The FIX version: QuickFIX's ordermatch example speaks FIX 4.2 only; everything else here is 4.4.
     * @default 'FIX.4.4'
     */
    beginString: z.enum(['FIX.4.4', 'FIX.4.2']).default('FIX.4.4'),
    /**
     * HeartBtInt(108), seconds; up to 3,600.
     * @default 30
     */
    heartbeatSeconds: z.number().int().positive().max(3600).default(30),
    /**
     * Directory of the QuickFIX-format file store that keeps sequence numbers across restarts.
     * @default undefined (sequence numbers kept in memory only)
     */
    storePath: z.string().min(1).optional(),
    /**
     * ResetSeqNumFlag(141)=Y on every Logon.
     * @default true without storePath (nothing remembers the numbers, so the peer would refuse a
     * second run's seq 1), false with it
     */
    resetSeqNumOnLogon: z.boolean().optional(),
    /**
     * How long submit / cancel / getOrder wait for the peer's answer before BrokerTimeoutError, ms.
     * @default 5000
     */
    requestTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    /**
     * First connection and logon; past it connect() fails with BrokerConnectError.
     * @default 10
     */
    connectTimeoutSeconds: z.number().positive().max(600).default(10),
    /**
     * Pause between reconnection attempts after the session dropped.
     * @default 1
     */
    reconnectSeconds: z.number().positive().max(600).default(1),
    /** FIX order entry has no market clock: 'EOD' uses these hours, as the paper venue does */
    ...sessionCloseFields,
  })
  .strict();

export type FixBrokerConfig = z.infer<typeof fixBrokerSchema>;

export function parseFixBrokerConfig(input: unknown): FixBrokerConfig {
  return fixBrokerSchema.parse(input);
}
