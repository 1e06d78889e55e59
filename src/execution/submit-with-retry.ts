// One order to one broker with exponential backoff on retryable failures only. Every attempt
// carries the same client order id, and after an answer that never came the venue is asked for
// that id before sending again, so a retry can never create a second order.
import pRetry, { AbortError } from 'p-retry';
import { BrokerRejection, isRetryable, type Broker, type SubmitAck, type WireOrder } from '../brokers/broker.js';
import { BrokerTimeoutError, BrokerTransientError } from '../brokers/broker.js';
import { describeError } from '../util/errors.js';

export interface RetryPolicy {
  retries: number;
  /** first backoff; doubles after each failure */
  baseMs: number;
}

export type SubmitOutcome =
  | { kind: 'accepted'; ack: SubmitAck; attempts: number }
  | { kind: 'rejected'; reason: string; attempts: number }
  | { kind: 'failed'; reason: string; attempts: number };

export async function submitWithRetry(
  broker: Broker,
  order: WireOrder,
  policy: RetryPolicy,
  onRetry?: (attempt: number, error: Error) => void,
  /** aborted at end of session: an order waiting to retry is not sent again (an attempt on the wire finishes) */
  stopRetrying?: AbortSignal,
): Promise<SubmitOutcome> {
  let attempts = 0;
  let outcomeUnknown = false;
  let lastError: unknown;
  // p-retry throws on abort even when the attempt in progress succeeded: keep its answer
  let accepted: SubmitAck | undefined;

  /** the venue may hold the order from an attempt whose answer was lost */
  const alreadyThere = async (): Promise<SubmitAck | undefined> => {
    const found = await broker.getOrder(order.clientOrderId);
    return found && { brokerOrderId: found.brokerOrderId, status: found.status, rawStatus: found.rawStatus };
  };

  const attempt = async (): Promise<SubmitAck> => {
    attempts++;
    if (outcomeUnknown) {
      const found = await alreadyThere();
      if (found) return (accepted = found);
    }
    try {
      accepted = await broker.submit(order);
      return accepted;
    } catch (error) {
      lastError = error;
      if (error instanceof BrokerTimeoutError) outcomeUnknown = true;
      if (error instanceof BrokerRejection && outcomeUnknown) {
        const found = await alreadyThere(); // e.g. "duplicate client_order_id" after a lost answer
        if (found) return (accepted = found);
      }
      if (!isRetryable(error)) throw new AbortError(error as Error);
      throw error;
    }
  };

  try {
    const ack = await pRetry(attempt, {
      retries: policy.retries,
      minTimeout: policy.baseMs,
      factor: 2,
      randomize: false,
      signal: stopRetrying,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0) onRetry?.(attemptNumber, error);
        const pause = error instanceof BrokerTransientError ? error.retryAfterMs : undefined;
        if (pause && retriesLeft > 0) await pauseUnlessStopped(pause, stopRetrying);
      },
    });
    return { kind: 'accepted', ack, attempts };
  } catch (error) {
    if (accepted) return { kind: 'accepted', ack: accepted, attempts };
    if (stopRetrying?.aborted && !(error instanceof BrokerRejection)) return stoppedOutcome();
    if (error instanceof BrokerRejection) return { kind: 'rejected', reason: error.reason, attempts };
    if (outcomeUnknown) {
      const found = await alreadyThere().catch(() => undefined);
      if (found) return { kind: 'accepted', ack: found, attempts };
    }
    return { kind: 'failed', reason: `not accepted after ${attempts} attempt(s): ${describeError(error)}`, attempts };
  }

  /** retries stopped by the end of session: the venue is asked once more if an answer was lost */
  async function stoppedOutcome(): Promise<SubmitOutcome> {
    if (outcomeUnknown) {
      const found = await alreadyThere().catch(() => undefined);
      if (found) return { kind: 'accepted', ack: found, attempts };
    }
    const last = lastError === undefined ? '' : ` (attempt ${attempts} failed: ${describeError(lastError)})`;
    return { kind: 'failed', reason: `not sent again: the session ended while the order waited to retry${last}`, attempts };
  }
}

function pauseUnlessStopped(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
