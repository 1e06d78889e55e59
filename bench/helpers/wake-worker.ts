// The idle-wake floor: how late an idle worker thread notices a message. 'post': a postMessage
// wakes its event loop; 'doorbell': Atomics.notify on a shared Int32 and Atomics.waitAsync here
// (a timer keeps the event loop alive: waitAsync alone does not). Each wake-up writes its delay
// (receipt − send, epoch ms) into the shared results.
// 'spin' is a candidate for the hand-off, measured here only: the worker knows when ticks are due
// (every periodMs from startAt) and busy-polls the doorbell from leadMs before each until 3 ms after,
// sleeping in a blocking Atomics.wait otherwise (a notify still wakes it). Its CPU cost is the
// polling window's share of the period; the bench reports what it measured.
import { parentPort, workerData } from 'node:worker_threads';

const {
  mode,
  shared,
  periodMs,
  leadMs = 1,
} = workerData as {
  mode: 'post' | 'doorbell' | 'spin';
  shared: SharedArrayBuffer;
  periodMs: number;
  /** how long before each due tick the polling starts (the sleep before it can itself wake late) */
  leadMs?: number;
};
const bell = new Int32Array(shared, 0, 2); // [ring count, samples written]
const sentAt = new Float64Array(shared, 8, 1);
const startAt = new Float64Array(shared, 16, 1);
const delays = new Float64Array(shared, 32);
const now = () => performance.timeOrigin + performance.now();
const note = () => {
  delays[Atomics.load(bell, 1)] = now() - sentAt[0];
  Atomics.add(bell, 1, 1);
};

if (mode === 'spin') {
  parentPort!.postMessage('ready');
  while (startAt[0] === 0) Atomics.wait(bell, 0, 0, 1); // the schedule starts when the bench says
  let seen = 0;
  let spun = 0;
  const began = now();
  for (let k = 1; seen >= 0; k++) {
    const due = startAt[0] + k * periodMs;
    // asleep until just before the tick (a ring meanwhile wakes it)
    while (seen >= 0 && now() < due - leadMs && Atomics.load(bell, 0) === seen)
      Atomics.wait(bell, 0, seen, Math.max(0, due - leadMs - now()));
    const from = now();
    while (Atomics.load(bell, 0) === seen && now() < due + 3) {
      /* polling the doorbell */
    }
    spun += now() - from;
    if (Atomics.load(bell, 0) === seen) Atomics.wait(bell, 0, seen, periodMs - 3 - leadMs);
    const rung = Atomics.load(bell, 0);
    if (rung < 0) break;
    if (rung !== seen) {
      note();
      seen = rung;
    }
  }
  delays[delays.length - 1] = spun / (now() - began); // share of a core spent polling
  process.exit(0);
} else if (mode === 'post') {
  parentPort!.on('message', (m: string) => {
    if (m === 'ring') note();
    else process.exit(0);
  });
} else {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let seen = 0;
  // Node 20 has it; the TypeScript lib here predates it
  const { waitAsync } = Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
  };
  const wait = (): void => {
    const r = waitAsync(bell, 0, seen);
    void Promise.resolve(r.value).then(() => {
      seen = Atomics.load(bell, 0);
      if (seen < 0) {
        clearInterval(keepAlive);
        return;
      }
      note();
      wait();
    });
  };
  wait();
}
parentPort!.postMessage('ready'); // spin said so before its loop
