// Alpaca credentials: given options first, then APCA_API_KEY_ID / APCA_API_SECRET_KEY from the
// environment, then the same names from ./.env. The .env file is read with dotenv.parse and never
// injected into process.env, so nothing else in the process sees (or logs) the keys.
import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

export interface AlpacaCredentials {
  keyId: string;
  secretKey: string;
}

export const KEY_ENV = 'APCA_API_KEY_ID';
export const SECRET_ENV = 'APCA_API_SECRET_KEY';

function fromDotEnv(cwd: string): Record<string, string> {
  try {
    return dotenv.parse(fs.readFileSync(path.join(cwd, '.env')));
  } catch {
    return {};
  }
}

/** undefined when a key is missing everywhere; the caller says where it looked */
export function resolveCredentials(
  given: { keyId?: string; secretKey?: string },
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): AlpacaCredentials | undefined {
  let keyId = given.keyId || env[KEY_ENV];
  let secretKey = given.secretKey || env[SECRET_ENV];
  if (!keyId || !secretKey) {
    const file = fromDotEnv(cwd);
    keyId ||= file[KEY_ENV];
    secretKey ||= file[SECRET_ENV];
  }
  return keyId && secretKey ? { keyId, secretKey } : undefined;
}

export const MISSING_CREDENTIALS = `no Alpaca credentials: give keyId and secretKey, or set ${KEY_ENV} and ${SECRET_ENV} (in the environment or in ./.env)`;
