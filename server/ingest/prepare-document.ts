import type { PreparedDocument } from './ingest.types.js';

/** Repairs a document's text and lists what a drafter must confirm. */
export function prepareDocument({ text }: { text: string }): PreparedDocument {
  return { text, repairs: [], suspects: [], warnings: [], metadata: {} };
}
