// Raw FIX on a raw socket, for the tests that play a hostile or careless counterparty: messages
// framed by hand (BodyLength and CheckSum computed, or deliberately wrong) and what comes back.
import net from 'node:net';

const SOH = '\x01';

/** a FIX 4.4 message: 8, 9 and 10 computed around the given fields (35 first) */
export function fixMessage(fields: Array<[number | string, string | number]>, beginString = 'FIX.4.4'): Buffer {
  const body = fields.map(([t, v]) => `${t}=${v}${SOH}`).join('');
  const head = `8=${beginString}${SOH}9=${Buffer.byteLength(body, 'latin1')}${SOH}`;
  const bytes = Buffer.from(head + body, 'latin1');
  let sum = 0;
  for (const b of bytes) sum += b;
  return Buffer.concat([bytes, Buffer.from(`10=${String(sum % 256).padStart(3, '0')}${SOH}`, 'latin1')]);
}

const now = () => new Date().toISOString().replace(/-/g, '').replace('T', '-').slice(0, 21);

/** a Logon as an initiator sends it */
export function logon(o: {
  sender: string;
  target: string;
  seq?: number;
  username?: string;
  password?: string;
  reset?: boolean;
}): Buffer {
  const fields: Array<[number, string | number]> = [
    [35, 'A'],
    [49, o.sender],
    [56, o.target],
    [34, o.seq ?? 1],
    [52, now()],
    [98, 0],
    [108, 30],
  ];
  if (o.reset ?? true) fields.push([141, 'Y']);
  if (o.username !== undefined) fields.push([553, o.username]);
  if (o.password !== undefined) fields.push([554, o.password]);
  return fixMessage(fields);
}

export interface Exchanged {
  received: string;
  closed: boolean;
}

/**
 * Writes `bytes`, then collects what comes back until the peer closes the socket, `until` matches
 * what was received, or `deadlineMs` passes (then closed is false). With `thenSend`, a match of
 * `until` writes those bytes instead and goes on collecting until the close or the deadline.
 */
export function exchange(
  port: number,
  bytes: Buffer | Buffer[],
  options: { until?: RegExp; thenSend?: Buffer[]; deadlineMs?: number } = {},
): Promise<Exchanged> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let until = options.until;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closed });
    };
    const timer = setTimeout(() => finish(false), options.deadlineMs ?? 15_000);
    socket.on('data', (d) => {
      received += d.toString('latin1');
      if (!until?.test(received)) return;
      until = undefined;
      if (!options.thenSend) return finish(false);
      for (const b of options.thenSend) socket.write(b);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    for (const b of [bytes].flat()) socket.write(b);
  });
}

/** the values of one tag in every message of a received stream, in order */
export const tagValues = (received: string, tag: number): string[] =>
  [...received.matchAll(new RegExp(`(?:^|\\x01)${tag}=([^\\x01]*)`, 'g'))].map((m) => m[1]);

/**
 * What a FIX peer sent, cut into messages and checked independently of salvo's own gate: each must
 * be 8=FIX.4.4, a BodyLength that ends the body right before 10=, and the right CheckSum.
 */
export function fixMessagesIn(received: string): { messages: string[]; malformed?: string } {
  const messages: string[] = [];
  let rest = received;
  while (rest.length) {
    const m = /^8=FIX\.4\.4\x019=(\d+)\x01/.exec(rest);
    if (!m) return { messages, malformed: `not a FIX message: ${JSON.stringify(rest.slice(0, 40))}` };
    const end = m[0].length + Number(m[1]);
    const trailer = /^10=(\d{3})\x01/.exec(rest.slice(end));
    if (!trailer)
      return { messages, malformed: `no CheckSum after the body: ${JSON.stringify(rest.slice(0, end + 8))}` };
    let sum = 0;
    for (let i = 0; i < end; i++) sum += rest.charCodeAt(i);
    if (sum % 256 !== Number(trailer[1]))
      return { messages, malformed: `wrong CheckSum: ${JSON.stringify(rest.slice(0, end + 7))}` };
    messages.push(rest.slice(0, end + 7));
    rest = rest.slice(end + 7);
  }
  return { messages };
}
