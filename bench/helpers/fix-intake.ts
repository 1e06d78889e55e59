// How the exchange's FIX acceptor takes a pipelined block: a raw socket logs on, then writes N
// NewOrderSingles in one write (as salvo's initiator does with writes corked per turn), and the
// venue's own tape says when each arrived. Spread = first to last arrival at the venue.
//   node [--cpu-prof --cpu-prof-dir=/tmp/prof] --import tsx bench/helpers/fix-intake.ts [legs] [rounds]
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { startFixExchange } from './fix-exchange.js';
import { fixMessage, logon } from '../../test/helpers/fix-wire.js';

const LEGS = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 10);
const ex = await startFixExchange(['A', 'B', 'C', 'D']);
const tape = ex.venue.tape();
// how many separate turns (synchronous runs) the arrivals of one block came in
let runs = 0;
let inRun = false;
let counter = () => 0;
/** CPU µs per order of a turn that took several (process CPU; the other threads are idle here) */
const cpuPerOrder: number[] = [];
const submit = ex.venue.submit.bind(ex.venue);
ex.venue.submit = (order) => {
  if (!inRun) {
    inRun = true;
    runs++;
    const cpu = process.cpuUsage();
    let taken = 0;
    queueMicrotask(() => {
      inRun = false;
      const used = process.cpuUsage(cpu);
      if (taken > 1) cpuPerOrder.push((used.user + used.system) / taken);
    });
    counter = () => taken++;
  }
  counter();
  return submit(order);
};
const socket = net.connect(ex.fixPort!, '127.0.0.1');
socket.setNoDelay(true);
let received = '';
socket.on('data', (d) => {
  received += d.toString('latin1');
});
socket.write(logon({ sender: 'INTAKE', target: 'PAPER' }));
while (!received.includes('\x0135=A\x01')) await new Promise((r) => setTimeout(r, 5));

const until = async (ok: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};
const stamp = () => new Date().toISOString().replace(/-/g, '').replace('T', '-').slice(0, 21);
let seq = 2;
const spreads: number[] = [];
const firsts: number[] = [];
const turns: number[] = [];
const elu0 = performance.eventLoopUtilization();
const from = process.hrtime.bigint() / 1000n;
for (let round = 0; round < ROUNDS; round++) {
  tape.arrived.clear();
  runs = 0;
  const ids = Array.from({ length: LEGS }, (_, i) => `in-${round}-${i}`);
  const block = Buffer.concat(
    ids.map((id, i) =>
      fixMessage([
        [35, 'D'],
        [49, 'INTAKE'],
        [56, 'PAPER'],
        [34, seq++],
        [52, stamp()],
        [11, id],
        [55, 'ABCD'[i % 4]],
        [54, 1],
        [60, stamp()],
        [38, 1],
        [40, 1],
        [59, 0],
      ]),
    ),
  );
  const wrote = performance.timeOrigin + performance.now();
  socket.write(block);
  await until(() => tape.arrived.size === LEGS, `${LEGS} arrivals`);
  const at = [...tape.arrived.values()];
  spreads.push(Math.max(...at) - Math.min(...at));
  firsts.push(Math.min(...at) - wrote);
  turns.push(runs);
  await new Promise((r) => setTimeout(r, 200));
}
const elu = performance.eventLoopUtilization(elu0);
// the bursts' window on the profile's clock (µs), for reading a --cpu-prof of this run
console.log(`profile window ${from}..${process.hrtime.bigint() / 1000n}`);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${LEGS} NewOrderSingles in one write, ${ROUNDS} rounds: arrival spread p50 ${med(spreads).toFixed(2)} ms, max ${Math.max(...spreads).toFixed(2)} ms; write → first arrival p50 ${med(firsts).toFixed(2)} ms; event loop busy ${(elu.utilization * 100).toFixed(1)} %; taken in ${turns.join(', ')} turn(s); CPU per order taken p50 ${med(cpuPerOrder).toFixed(0)} µs`,
);
socket.destroy();
await ex.close();
