// Option schemas per quote source type, checked before a session starts.
import type { z } from 'zod';
import { kafkaQuotesSchema, redisQuotesSchema, replayQuotesSchema } from './feed-schemas.js';
import { simQuotesSchema } from './sim.js';
import { alpacaQuotesSchema } from './alpaca-config.js';

export const quoteConfigSchemas: Record<string, z.ZodType> = {
  sim: simQuotesSchema,
  redis: redisQuotesSchema,
  kafka: kafkaQuotesSchema,
  replay: replayQuotesSchema,
  alpaca: alpacaQuotesSchema,
};
