import { z } from 'zod';

/**
 * A public response projected onto its schema: every object keeps only the keys its schema names,
 * however deep, so a private field a handler let through is dropped rather than published. This is
 * what zod's parse does to objects, without copying what already fits: an answer whose objects have
 * no undeclared key comes back as the very same value, and one with such keys shares every part
 * that had none. A search answer is some 20 KB of objects, and the parse's copy of it was a fifth of
 * all the memory a search allocated.
 *
 * Values are not checked here, only shapes followed, as Fastify's response serialisation does: the
 * test configuration (`strict`) parses every response with zod as well, fails on any mismatch, and
 * compares this projection with the parse, so a handler returning the wrong type fails its tests.
 * Schemas whose output can differ from their input (defaults, transforms, pipes) and those whose
 * choice of branch depends on the values (unions, intersections) are left to zod's own parse.
 */
export type Projection = (value: unknown) => unknown;

/** Any zod schema, the classic API's or one nested inside it. */
type Schema = z.core.$ZodType;

const projections = new WeakMap<Schema, Projection>();

/** The projection for `schema`, built once per schema. */
export function projectionOf(schema: Schema): Projection {
  let projection = projections.get(schema);
  if (!projection) {
    projection = build(schema);
    projections.set(schema, projection);
  }
  return projection;
}

/** Types whose parse hands back the input itself, unless a check rewrites it (trim, lowercase). */
const LEAF_TYPES = new Set([
  'string',
  'number',
  'boolean',
  'bigint',
  'symbol',
  'null',
  'undefined',
  'void',
  'any',
  'unknown',
  'date',
  'enum',
  'literal',
  'nan',
  'template_literal',
]);

interface CheckDef {
  _zod: { def: { check: string } };
}

function rewritesValue(schema: Schema): boolean {
  const checks = (schema._zod.def as { checks?: readonly CheckDef[] }).checks ?? [];
  return checks.some((check) => check._zod.def.check === 'overwrite');
}

function build(schema: Schema): Projection {
  if (schema instanceof z.ZodObject) return objectProjection(schema);
  if (schema instanceof z.ZodArray) return arrayProjection(projectionOf(schema.element));
  if (schema instanceof z.ZodOptional) {
    const inner = projectionOf(schema.unwrap());
    return (value) => (value === undefined ? value : inner(value));
  }
  if (schema instanceof z.ZodNullable) {
    const inner = projectionOf(schema.unwrap());
    return (value) => (value === null ? value : inner(value));
  }
  // Zod freezes a readonly value; the projection is sent as JSON, where that makes no difference.
  if (schema instanceof z.ZodReadonly) return projectionOf(schema.unwrap());
  if (schema instanceof z.ZodLazy) {
    let inner: Projection | null = null;
    return (value) => (inner ??= projectionOf(schema.unwrap()))(value);
  }
  if (schema instanceof z.ZodRecord) return recordProjection(projectionOf(schema.valueType));
  if (LEAF_TYPES.has(schema._zod.def.type) && !rewritesValue(schema)) return (value) => value;
  return (value) => z.parse(schema, value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectProjection(schema: z.ZodObject): Projection {
  const keys = Object.keys(schema.shape);
  const children = keys.map((key) => projectionOf(schema.shape[key] as Schema));
  const catchall = schema._zod.def.catchall;
  // z.looseObject keeps undeclared keys (through its catchall); z.object drops them, and so does
  // z.strictObject here, where a parse would refuse the whole response.
  const extra = catchall && !(catchall instanceof z.ZodNever) ? projectionOf(catchall) : null;
  const declared = new Set(keys);
  const shadowsPrototype = keys.map((key) => key in Object.prototype);
  return (value) => {
    if (!isRecord(value)) return value;
    // Undeclared keys are found by counting: more keys than the declared ones present means some
    // are not declared. A lookup per key cost twice as much on a search answer.
    let keyCount = 0;
    for (const _ in value) keyCount += 1;
    let declaredCount = 0;
    let copy: Record<string, unknown> | null = null;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const read = value[key];
      // A key Object.prototype also has (toString) reads as present on any object; ask the object.
      const present = shadowsPrototype[i] ? Object.hasOwn(value, key) : read !== undefined || Object.hasOwn(value, key);
      const child = present ? read : undefined;
      if (present) declaredCount += 1;
      // An absent key stays absent unless its schema fills it in (a default).
      const projected = (children[i] as Projection)(child);
      if (!present && projected === undefined) continue;
      if (copy === null && (projected !== child || !present)) copy = copyOf({ value, keys, upTo: i });
      if (copy !== null) copy[key] = projected;
    }
    if (copy === null && declaredCount === keyCount) return value;
    if (!extra) return copy ?? copyOf({ value, keys, upTo: keys.length });
    const undeclared = Object.keys(value).filter((key) => !declared.has(key));
    if (copy === null && undeclared.every((key) => extra(value[key]) === value[key])) return value;
    const kept = copy ?? copyOf({ value, keys, upTo: keys.length });
    for (const key of undeclared) kept[key] = extra(value[key]);
    return kept;
  };
}

/** The keys before `upTo` that `value` has, as they are: those its projection left unchanged. */
function copyOf({ value, keys, upTo }: { value: Record<string, unknown>; keys: readonly string[]; upTo: number }): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let j = 0; j < upTo; j++) {
    const key = keys[j] as string;
    if (Object.hasOwn(value, key)) copy[key] = value[key];
  }
  return copy;
}

function arrayProjection(element: Projection): Projection {
  return (value) => {
    if (!Array.isArray(value)) return value;
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const projected = element(item);
      if (copy === null && projected !== item) copy = value.slice(0, i);
      if (copy !== null) copy.push(projected);
    }
    return copy ?? value;
  };
}

function recordProjection(valueProjection: Projection): Projection {
  return (value) => {
    if (!isRecord(value)) return value;
    let copy: Record<string, unknown> | null = null;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const child = value[key];
      const projected = valueProjection(child);
      if (copy === null && projected !== child) copy = copyOf({ value, keys, upTo: i });
      if (copy !== null) copy[key] = projected;
    }
    return copy ?? value;
  };
}
