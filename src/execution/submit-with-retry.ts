// One order to one broker with exponential backoff on retryable failures only. Every attempt
// carries the same client order id, and after an answer that never came the venue is asked for
// that id before sending again, so a retry can never create a second order. A replacement
// (`order.replaces` set) goes out as the broker's replace, under the same rules.
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
  | { kind: 'failed'; reason: string; attempts: number }
  /** the end of session cut its retries: it is not at the venue and is not sent again */
  | { kind: 'not-sent'; reason: string; attempts: number }
  /** retries cut after a lost answer, and the broker could not be asked whether it holds the order */
  | { kind: 'unconfirmed'; reason: string; attempts: number };

/**
 * The end of session's word to orders waiting to retry: no attempt starts after `by` (epoch ms),
 * and a wait that would end later is cut at `by`. An attempt already on the wire always finishes.
 */
export class RetryCutoff {
  private readonly controller = new AbortController();
  by = Infinity;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  cutAt(at: number): void {
    if (at >= this.by) return;
    this.by = at;
    const ms = at - Date.now();
    if (ms <= 0) this.controller.abort();
    else setTimeout(() => this.controller.abort(), ms).unref();
  }
}

function send(broker: Broker, order: WireOrder, written?: (at: number) => void): Promise<SubmitAck> {
  if (order.legs?.length) {
    if (!broker.submitGroup)
      return Promise.reject(
        new BrokerRejection(
          `the ${broker.name} broker cannot take ${order.orderClass} orders yet: send the entry, then its exits once it fills`,
          'group_unsupported',
        ),
      );
    return broker.submitGroup(order);
  }
  if (order.replaces === undefined) return broker.submit(order, written);
  if (!broker.replace)
    return Promise.reject(
      new BrokerRejection(
        `the ${broker.name} broker cannot replace orders: cancel ${order.replaces} and send a new order instead`,
        'replace_unsupported',
      ),
    );
  return broker.replace(order);
}

export async function submitWithRetry(
  broker: Broker,
  order: WireOrder,
  policy: RetryPolicy,
  onRetry?: (attempt: number, error: Error) => void,
  cutoff = new RetryCutoff(),
  written?: (at: number) => void,
): Promise<SubmitOutcome> {
  let attempts = 0;
  let outcomeUnknown = false;
  let cut = false;
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
      accepted = await send(broker, order, written);
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
      signal: cutoff.signal,
      shouldRetry: async ({ error, attemptNumber }) => {
        const pause = error instanceof BrokerTransientError ? (error.retryAfterMs ?? 0) : 0;
        if (Date.now() + pause + policy.baseMs * 2 ** (attemptNumber - 1) > cutoff.by) return !(cut = true);
        onRetry?.(attemptNumber, error);
        if (pause) await new Promise((r) => setTimeout(r, pause));
        return true;
      },
    });
    return { kind: 'accepted', ack, attempts };
  } catch (error) {
    if (accepted) return { kind: 'accepted', ack: accepted, attempts };
    if ((cut || cutoff.signal.aborted) && !(error instanceof BrokerRejection)) return notSentAgain();
    if (error instanceof BrokerRejection) return { kind: 'rejected', reason: error.reason, attempts };
    if (outcomeUnknown) {
      const found = await alreadyThere().catch(() => undefined);
      if (found) return { kind: 'accepted', ack: found, attempts };
    }
    return { kind: 'failed', reason: `not accepted after ${attempts} attempt(s): ${describeError(error)}`, attempts };
  }

  /** retries cut by the end of session: the venue is asked once more if an answer was lost */
  async function notSentAgain(): Promise<SubmitOutcome> {
    if (outcomeUnknown) {
      let found: SubmitAck | undefined;
      try {
        found = await alreadyThere();
      } catch (error) {
        return {
          kind: 'unconfirmed',
          reason: `the session ended after an answer was lost, and asking the broker failed (${describeError(error)}): it may hold the order`,
          attempts,
        };
      }
      if (found) return { kind: 'accepted', ack: found, attempts };
    }
    const last = lastError === undefined ? '' : ` (attempt ${attempts} failed: ${describeError(lastError)})`;
    return {
      kind: 'not-sent',
      reason: `not sent again: the session ended while the order waited to retry${last}`,
      attempts,
    };
  }
}
