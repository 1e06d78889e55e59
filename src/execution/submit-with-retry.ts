// One order to one broker with exponential backoff on retryable failures only. Every attempt
// carries the same client order id, and after an answer that never came the venue is asked for
// that id before sending again, so a retry can never create a second order. A replacement
// (`order.replaces` set) goes out as the broker's replace, under the same rules.
import pRetry, { AbortError } from 'p-retry';
import { BrokerRejection, isRetryable, type Broker, type SubmitAck, type WireOrder } from '../brokers/broker.js';
import { BrokerTimeoutError, BrokerTransientError } from '../brokers/broker.js';

export interface RetryPolicy {
  retries: number;
  /** first backoff; doubles after each failure */
  baseMs: number;
}

export type SubmitOutcome =
  | { kind: 'accepted'; ack: SubmitAck; attempts: number }
  | { kind: 'rejected'; reason: string; attempts: number }
  | { kind: 'failed'; reason: string; attempts: number };

function send(broker: Broker, order: WireOrder): Promise<SubmitAck> {
  if (order.legs?.length) {
    if (!broker.submitGroup) return Promise.reject(new BrokerRejection(`the ${broker.name} broker cannot take ${order.orderClass} orders yet: send the entry, then its exits once it fills`, 'group_unsupported'));
    return broker.submitGroup(order);
  }
  if (order.replaces === undefined) return broker.submit(order);
  if (!broker.replace) return Promise.reject(new BrokerRejection(`the ${broker.name} broker cannot replace orders: cancel ${order.replaces} and send a new order instead`, 'replace_unsupported'));
  return broker.replace(order);
}

export async function submitWithRetry(
  broker: Broker,
  order: WireOrder,
  policy: RetryPolicy,
  onRetry?: (attempt: number, error: Error) => void,
): Promise<SubmitOutcome> {
  let attempts = 0;
  let outcomeUnknown = false;

  /** the venue may hold the order from an attempt whose answer was lost */
  const alreadyThere = async (): Promise<SubmitAck | undefined> => {
    const found = await broker.getOrder(order.clientOrderId);
    return found && { brokerOrderId: found.brokerOrderId, status: found.status, rawStatus: found.rawStatus };
  };

  const attempt = async (): Promise<SubmitAck> => {
    attempts++;
    if (outcomeUnknown) {
      const found = await alreadyThere();
      if (found) return found;
    }
    try {
      return await send(broker, order);
    } catch (error) {
      if (error instanceof BrokerTimeoutError) outcomeUnknown = true;
      if (error instanceof BrokerRejection && outcomeUnknown) {
        const found = await alreadyThere(); // e.g. "duplicate client_order_id" after a lost answer
        if (found) return found;
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
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0) onRetry?.(attemptNumber, error);
        const pause = error instanceof BrokerTransientError ? error.retryAfterMs : undefined;
        if (pause && retriesLeft > 0) await new Promise((r) => setTimeout(r, pause));
      },
    });
    return { kind: 'accepted', ack, attempts };
  } catch (error) {
    if (error instanceof BrokerRejection) return { kind: 'rejected', reason: error.reason, attempts };
    if (outcomeUnknown) {
      const found = await alreadyThere().catch(() => undefined);
      if (found) return { kind: 'accepted', ack: found, attempts };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'failed', reason: `not accepted after ${attempts} attempt(s): ${message}`, attempts };
  }
}
