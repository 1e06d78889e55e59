// Execution worker thread: owns one broker client and does the slow part of the order path —
// submit and cancel over the network, with retries. Every order in a batch is started at once;
// nothing here waits for one order before sending the next.
import { parentPort, workerData } from 'node:worker_threads';
import { brokerDriver } from '../brokers/index.js';
import type { Broker, BrokerTransientError, WireOrder } from '../brokers/broker.js';
import type { ExecutionWorkerData, FromWorker, ToWorker } from './messages.js';
import { preciseNow } from '../orders/order.js';
import { RetryCutoff, submitWithRetry } from './submit-with-retry.js';
import { describeError } from '../util/errors.js';
import { required } from '../util/defined.js';

const { broker: brokerConfig, link, retry } = workerData as ExecutionWorkerData;
const port = required(parentPort, 'the parent port (this file runs as a worker thread)');
const say = (message: FromWorker) => port.postMessage(message);
const errorText = (e: unknown) => describeError(e);
// replaced at each cut: orders handed over after it (the liquidation) still get their retries
let cutoff = new RetryCutoff();

async function submit(broker: Broker, order: WireOrder, handedAt: number): Promise<void> {
  let wiredAt: number | undefined; // the first attempt that left: a block's skew is about the first send
  const outcome = await submitWithRetry(
    broker,
    order,
    retry,
    (attempt, error) =>
      say({
        type: 'retry',
        clientOrderId: order.clientOrderId,
        attempt,
        error: error.message,
        retryAfterMs: (error as BrokerTransientError).retryAfterMs,
      }),
    cutoff,
    (at) => {
      wiredAt ??= at;
    },
  );
  const common = {
    clientOrderId: order.clientOrderId,
    handedAt,
    wiredAt,
    ackAt: preciseNow(),
    attempts: outcome.attempts,
  };
  if (outcome.kind === 'accepted') say({ type: 'accepted', ack: outcome.ack, ...common });
  else say({ type: outcome.kind, reason: outcome.reason, ...common });
}

async function main(): Promise<void> {
  let broker: Broker;
  try {
    broker = (await brokerDriver(brokerConfig.type)).create(brokerConfig, link);
    await broker.connect();
  } catch (error) {
    say({ type: 'connect-failed', message: errorText(error) });
    return;
  }
  // the venue's count is the truth; pass it on only when it runs low, not on every response
  broker.onRateLimit?.((info) => {
    if (info.remaining <= Math.max(2, info.limit * 0.05)) say({ type: 'rate-limit', info });
  });
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'submit':
        for (const order of message.orders) track(submit(broker, order, preciseNow()));
        break;
      case 'cancel':
        track(
          broker
            .cancel(message.venueClientOrderId ?? message.clientOrderId)
            .catch((e) => say({ type: 'cancel-failed', clientOrderId: message.clientOrderId, reason: errorText(e) })),
        );
        break;
      case 'stop-retries':
        cutoff.cutAt(message.by);
        cutoff = new RetryCutoff();
        break;
      case 'close':
        cutoff.cutAt(Date.now());
        void Promise.allSettled([...inFlight])
          .then(() => broker.close())
          .finally(() => {
            say({ type: 'closed' });
            port.close();
          });
        break;
    }
  });
  say({ type: 'ready', width: broker.describeWidth?.() });
}

void main();
