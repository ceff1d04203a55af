import { Worker } from 'node:worker_threads';

/**
 * A worker thread on the module `name` (without extension) beside `from` (the caller's
 * `import.meta.url`). Compiled, the thread loads the compiled module. Run from TypeScript source
 * (tests, `npm run dev`, `npm run import`), a thread does not inherit the loader hooks of the thread
 * that started it, so it registers tsx itself before importing the module.
 */
export function startWorkerThread({ name, from, workerData }: { name: string; from: string; workerData?: unknown }): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from), { workerData });
  const entry = new URL(`./${name}.ts`, from).href;
  // Resolved here, not in the thread, where a bare specifier would be looked up from the working directory.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
