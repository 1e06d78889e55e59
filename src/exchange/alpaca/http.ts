// HTTP plumbing of the Alpaca gateway: Alpaca-shaped errors ({ code, message } with its numeric
// codes), credential checks, JSON bodies, and the rate-limit headers Alpaca puts on every answer.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket } from '../../util/token-bucket.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 40410000, what);
export const invalid = (message: string) => new ApiError(422, 40010001, message);
const badRequest = (message: string) => new ApiError(400, 40010000, message);

/**
 * The request target as a URL. An origin-form target ('/path?query', '//x' included) is always a
 * path on this server: it is appended to the origin, never read as an authority of its own. An
 * absolute-form target must be a URL; one that is not (`http://[`, `*`) is a 400.
 */
export function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  try {
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target);
  } catch {
    throw badRequest('invalid request target');
  }
}

/** one path segment, percent-decoded; a broken escape (`%`, `%zz`) is a 400, not a server error */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badRequest('invalid percent-escape in the request path');
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded || res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(text
      ? { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': String(Buffer.byteLength(text)) }
      : { 'Content-Length': '0' }),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, { code: error.code, message: error.message }, { ...headers, ...error.headers });
}

const MAX_BODY = 64 * 1024;

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 40010000, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw badRequest('request body format is invalid');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('request body format is invalid');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('request body format is invalid');
  return body as Record<string, unknown>;
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function credentialsMatch(
  keyId: unknown,
  secret: unknown,
  expected: { keyId: string; secretKey: string },
): boolean {
  return (
    typeof keyId === 'string' &&
    typeof secret === 'string' &&
    same(keyId, expected.keyId) &&
    same(secret, expected.secretKey)
  );
}

export function checkAuth(req: IncomingMessage, expected: { keyId: string; secretKey: string }): void {
  if (!credentialsMatch(req.headers['apca-api-key-id'], req.headers['apca-api-secret-key'], expected)) {
    throw new ApiError(401, 40110000, 'request is not authorized');
  }
}

/**
 * The gateway's allowance for order submissions: a smooth token bucket, reported the way Alpaca
 * reports its limit. X-Ratelimit-Reset is when the next request becomes available (epoch seconds,
 * rounded up), which is also when a 429 is worth retrying.
 */
export class RateGate {
  private readonly bucket: TokenBucket;

  constructor(readonly perMinute: number) {
    this.bucket = new TokenBucket(perMinute, perMinute);
  }

  /** false: answer 429 */
  take(): boolean {
    return this.bucket.tryTake(1);
  }

  headers(): Record<string, string> {
    const remaining = this.bucket.available();
    const untilNext = remaining >= this.perMinute ? 0 : this.bucket.msUntil(remaining + 1);
    return {
      'X-Ratelimit-Limit': String(this.perMinute),
      'X-Ratelimit-Remaining': String(remaining),
      'X-Ratelimit-Reset': String(Math.ceil((Date.now() + untilNext) / 1000)),
    };
  }

  tooMany(): ApiError {
    const ms = this.bucket.msUntil(1);
    return new ApiError(429, 42910000, 'rate limit exceeded', {
      'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))),
    });
  }
}

/** a 429 decided by the venue's own allowance, whose bucket the gateway cannot read */
export function venueTooMany(retryAfterMs: number | undefined): ApiError {
  const ms = retryAfterMs ?? 1000;
  return new ApiError(429, 42910000, 'rate limit exceeded', {
    'X-Ratelimit-Remaining': '0',
    'X-Ratelimit-Reset': String(Math.ceil((Date.now() + ms) / 1000)),
    'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))),
  });
}
