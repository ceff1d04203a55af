/**
 * Run as a child process by `test/integration/builtins-untouched.test.ts`: loads the whole server
 * and reads a PDF and a Word file, then prints the names of JavaScript built-ins that are no longer
 * the functions Node started with. A dependency that polyfills built-ins in the server's realm
 * slows everything that uses them (pdfjs-dist's core-js replaced `JSON.stringify`).
 */
import { buildDocx, buildPdf } from './ingest-fixtures.js';

const HOLDERS: Record<string, object> = {
  JSON,
  Object,
  Array,
  'Array.prototype': Array.prototype,
  'String.prototype': String.prototype,
  Promise,
  'Promise.prototype': Promise.prototype,
  Map,
  'Map.prototype': Map.prototype,
  'Set.prototype': Set.prototype,
  'Uint8Array.prototype': Object.getPrototypeOf(Uint8Array.prototype) as object,
  Math,
  Reflect,
  globalThis,
};

function snapshot(): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const [holderName, holder] of Object.entries(HOLDERS)) {
    for (const key of Reflect.ownKeys(holder)) {
      if (typeof key !== 'string') continue;
      const descriptor = Object.getOwnPropertyDescriptor(holder, key);
      if (descriptor && 'value' in descriptor && typeof descriptor.value === 'function') values.set(`${holderName}.${key}`, descriptor.value);
    }
  }
  return values;
}

const before = snapshot();
const { startPlatform } = await import('../../server/platform.js');
const { extractDocument, extractLimits } = await import('../../server/ingest/extract-document.js');
const limits = extractLimits();
await extractDocument({ bytes: await buildPdf({ pages: [['关于印发《专利资助办法》的通知', '一、总则']] }), filename: 'a.pdf', limits });
await extractDocument({ bytes: buildDocx({ parts: [{ kind: 'paragraph', text: '关于印发《专利资助办法》的通知。' }, { kind: 'paragraph', text: '一、总则' }] }), filename: 'a.docx', limits });
const after = snapshot();
const changed = [...before].filter(([name, value]) => after.get(name) !== value).map(([name]) => name);
const added = [...after.keys()].filter((name) => !before.has(name) && !name.startsWith('globalThis.'));
process.stdout.write(JSON.stringify({ loaded: typeof startPlatform === 'function', changed, added }));
