// Option schemas per broker type, checked before a session starts (runtime code loads lazily).
import type { z } from 'zod';
import { paperBrokerSchema } from './paper/config.js';
import { alpacaBrokerSchema } from './alpaca/config.js';
import { fixBrokerSchema } from './fix/config.js';

export const brokerConfigSchemas: Record<string, z.ZodType> = {
  paper: paperBrokerSchema,
  alpaca: alpacaBrokerSchema,
  fix: fixBrokerSchema,
};
