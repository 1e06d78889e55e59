// Option schemas per quote source type, checked before a session starts.
import type { z } from 'zod';
import { simQuotesSchema } from './sim.js';

export const quoteConfigSchemas: Record<string, z.ZodType> = {
  sim: simQuotesSchema,
};
