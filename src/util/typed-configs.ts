// A family of configs told apart by `type` (broker venues, quote sources): one zod
// discriminatedUnion over the schemas of a registry, the lookup of one type's schema, and a parse
// that turns every mistake into one problem line named under the family (`broker.latencyMs …`).
import { z } from 'zod';
import { describeIssue, gotText } from './issues.js';

/** the schema of one member: a strict object whose `type` is a literal */
export type MemberSchema = z.ZodObject<{ type: z.ZodLiteral<string> }, z.core.$strict>;

export interface TypedConfigs<S extends MemberSchema> {
  /** every member, told apart by `type` */
  union: z.ZodDiscriminatedUnion<[S, ...S[]]>;
  /** the schema registered for a type, or undefined for one this build does not know */
  schemaOf(type: unknown): S | undefined;
  types: string[];
}

/** The union and lookups of a registry whose entries each carry a member schema. */
export function typedConfigs<S extends MemberSchema>(registry: Record<string, { schema: S }>): TypedConfigs<S> {
  const schemas = Object.values(registry).map((entry) => entry.schema) as [S, ...S[]];
  return {
    union: z.discriminatedUnion('type', schemas),
    // own keys only: 'constructor' or 'toString' must not find Object.prototype's function
    schemaOf: (type) => (typeof type === 'string' && Object.hasOwn(registry, type) ? registry[type].schema : undefined),
    types: Object.keys(registry),
  };
}

/**
 * `'paper'` or `{ type: 'paper', … }`, checked against the schema registered for its type: the
 * value with its defaults, or one line per problem, each named under `what` (`broker.latencyMs …`).
 */
export function parseByType<S extends MemberSchema>(
  what: string,
  input: unknown,
  configs: TypedConfigs<S>,
): { ok: true; value: z.output<S> } | { ok: false; problems: string[] } {
  const fail = (problem: string) => ({ ok: false as const, problems: [problem] });
  const types = configs.types.map((k) => `'${k}'`).join(' | ');
  if (typeof input !== 'string' && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    return fail(`${what} must be ${types} or an object { type: ${types}, … }${gotText([what], input)}`);
  }
  const config = typeof input === 'string' ? { type: input } : (input as { type?: unknown });
  if (!('type' in config) || config.type === undefined) return fail(`${what} needs a type: ${types}`);
  const schema = configs.schemaOf(config.type);
  // a type name is quoted as the types are: got 'ibkr'
  if (!schema) {
    const got = gotText([what, 'type'], config.type).replace(/^; got "(.*)"$/, "; got '$1'");
    return fail(`${what} type must be one of ${types}${got}`);
  }
  const parsed = configs.union.safeParse(config, { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data as z.output<S> };
  const known = Object.keys(schema.shape);
  return { ok: false, problems: parsed.error.issues.map((issue) => describeIssue(issue, `${what}.`, known)) };
}

/** parseByType, throwing one Error whose message lists every problem */
export function parseTypedConfig<S extends MemberSchema>(what: string, input: unknown, configs: TypedConfigs<S>) {
  const parsed = parseByType(what, input, configs);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.value;
}
