// What the session and its execution workers say to each other over postMessage.
import type { BrokerConfig } from '../brokers/index.js';
import type { BrokerLink, RateLimitInfo, WireOrder, SubmitAck } from '../brokers/broker.js';
import type { RetryPolicy } from './submit-with-retry.js';

export interface ExecutionWorkerData {
  workerId: number;
  /** parsed once on the main thread; a structured clone here */
  broker: BrokerConfig;
  link: BrokerLink;
  retry: RetryPolicy;
}

export type ToWorker =
  | { type: 'submit'; orders: WireOrder[] }
  /** `venueClientOrderId`: the id the venue knows the order by, when it named it itself (a bracket's leg at Alpaca) */
  | { type: 'cancel'; clientOrderId: string; venueClientOrderId?: string }
  /** end of session: no retry starts after `by` (epoch ms); an order cut off answers `not-sent` */
  | { type: 'stop-retries'; by: number }
  | { type: 'close' };

/** epoch ms (sub-ms): handed to the adapter, first written to the venue (if it ever was), answered */
interface Outcome {
  clientOrderId: string;
  handedAt: number;
  wiredAt?: number;
  ackAt: number;
  attempts: number;
}

export type FromWorker =
  /** width: how wide this worker's broker client sends (for the session log) */
  | { type: 'ready'; width?: string }
  | { type: 'connect-failed'; message: string }
  | ({ type: 'accepted'; ack: SubmitAck } & Outcome)
  | ({ type: 'rejected'; reason: string } & Outcome)
  | ({ type: 'failed'; reason: string } & Outcome)
  | ({ type: 'not-sent'; reason: string } & Outcome)
  /** the answer was lost and the broker could not be asked: it may or may not hold the order */
  | ({ type: 'unconfirmed'; reason: string } & Outcome)
  | { type: 'retry'; clientOrderId: string; attempt: number; error: string; retryAfterMs?: number }
  /** the venue's own count of what is left (rate-limit headers), sent when it runs low */
  | { type: 'rate-limit'; info: RateLimitInfo }
  | { type: 'cancel-failed'; clientOrderId: string; reason: string }
  | { type: 'closed' };
