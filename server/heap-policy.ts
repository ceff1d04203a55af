import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past the live heap before its next full collection.
 *
 * V8 picks the factor itself, up to 4× when collections look cheap. A server holding the embedded
 * search index has a large live heap (about 170 MB at 10,000 policies) and allocates fast under
 * load, so it grew to about 1 GB resident under 32 concurrent clients, almost all of it garbage
 * waiting for a full collection. At 40 % the same load peaks near 600 MB (`npm run bench --
 * --only=search`), for somewhat more frequent, mostly concurrent, marking.
 */
const HEAP_GROWING_PERCENT = 40;

/** For the server's entry points; an operator's own `--heap-growing-percent` (NODE_OPTIONS or a flag) wins. */
export function applyHeapPolicy(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => arg.startsWith('--heap-growing-percent'));
  if (!given) v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
