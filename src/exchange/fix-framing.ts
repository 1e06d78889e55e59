// The FIX acceptor's gate in front of the engine: bytes from a counterparty reach jspurefix only as
// whole messages whose framing checks out — BeginString(8) first, then BodyLength(9), MsgType(35)
// opening the body, tag=value fields with numeric tags, and CheckSum(10) exactly where BodyLength
// says the body ends, with the right sum. Anything else is garbage, and a venue does not guess at garbage: the connection is dropped
// (the engine alone would skip it and keep the socket open forever).
import { Transform, type TransformCallback } from 'node:stream';

const SOH = 0x01;
/** generous for order entry (a NewOrderSingle is a few hundred bytes); bounds what is buffered */
export const MAX_FIX_BODY = 64 * 1024;

/** one message's length in bytes, 0 while it is still arriving, or why the bytes are not FIX */
export function frameLength(buf: Buffer, beginString: string, maxBody = MAX_FIX_BODY): number | { problem: string } {
  const prefix = `8=${beginString}\x01`;
  const head = Math.min(buf.length, prefix.length);
  if (buf.toString('latin1', 0, head) !== prefix.slice(0, head))
    return { problem: `a message does not begin with 8=${beginString}` };
  if (buf.length < prefix.length + 2) return 0;
  if (buf.toString('latin1', prefix.length, prefix.length + 2) !== '9=')
    return { problem: 'BodyLength(9) does not follow BeginString(8)' };
  const digitsAt = prefix.length + 2;
  let at = digitsAt;
  while (at < buf.length && buf[at] >= 0x30 && buf[at] <= 0x39 && at - digitsAt < 7) at++;
  if (at === buf.length) return 0;
  const bodyLength = Number(buf.toString('latin1', digitsAt, at));
  if (buf[at] !== SOH || at === digitsAt) return { problem: 'BodyLength(9) is not a number' };
  if (bodyLength > maxBody) return { problem: `BodyLength ${bodyLength} is beyond ${maxBody} bytes` };
  const bodyStart = at + 1;
  const bodyEnd = bodyStart + bodyLength;
  if (buf.length < Math.min(bodyEnd, bodyStart + 3)) return 0;
  if (buf.toString('latin1', bodyStart, bodyStart + 3) !== '35=')
    return { problem: 'MsgType(35) does not open the body' };
  if (buf.length < bodyEnd + 7) return 0;
  const trailer = buf.toString('latin1', bodyEnd, bodyEnd + 7);
  if (!/^10=\d{3}\x01$/.test(trailer)) return { problem: 'no CheckSum(10) where BodyLength(9) says the body ends' };
  let sum = 0;
  for (let i = 0; i < bodyEnd; i++) sum += buf[i];
  if (sum % 256 !== Number(trailer.slice(3, 6)))
    return {
      problem: `CheckSum ${trailer.slice(3, 6)} is wrong (the bytes sum to ${String(sum % 256).padStart(3, '0')})`,
    };
  const field = badField(buf.toString('latin1', bodyStart, bodyEnd));
  return field ? { problem: field } : bodyEnd + 7;
}

/** the body must be tag=value fields (tags numbers); 8, 9 or 10 inside it would end the message early */
function badField(body: string): string | undefined {
  if (!body.endsWith('\x01')) return 'the body does not end with a field delimiter';
  for (const field of body.slice(0, -1).split('\x01')) {
    const tag = /^([1-9]\d{0,5})=/.exec(field)?.[1];
    if (!tag) return `a field is not tag=value: ${JSON.stringify(field.slice(0, 20))}`;
    if (tag === '8' || tag === '9' || tag === '10') return `tag ${tag} inside the body`;
  }
  return undefined;
}

/**
 * Passes whole, well-framed messages on, one per chunk; on the first framing problem it calls
 * `garbage` once and swallows everything after.
 */
export class FixFramingGate extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private refused = false;

  constructor(
    private readonly beginString: string,
    private readonly garbage: (problem: string) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.refused) return done();
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const length = frameLength(this.pending, this.beginString);
      if (length === 0) break;
      if (typeof length === 'object') {
        this.refused = true;
        this.pending = Buffer.alloc(0);
        this.garbage(length.problem);
        break;
      }
      this.push(this.pending.subarray(0, length));
      this.pending = this.pending.subarray(length);
      if (!this.pending.length) break;
    }
    done();
  }
}
