/**
 * The SQLite side of the embedded policy index: the docs table and the two FTS5 tables, their
 * schema version and prepared statements.
 */
import Database from 'better-sqlite3';
import { FtsColumns, PreparedDoc } from './embedded.policy-memory.js';

/** Bump when the stored layout or the tokenisation changes: the index is then emptied and rebuilt. */
export const SCHEMA_VERSION = '2';

/** bm25 weights in column order: title ≫ tag text > document number, issuer > body. */
export const BM25_WEIGHTS = { title: 10, tagText: 4, body: 1, docNumber: 3, issuer: 2 } as const;

export type SqliteDatabase = Database.Database;
export type FtsRow = [slot: number, ...columns: FtsColumns];

export interface Statements {
  getMeta: Database.Statement<[string], string>;
  setMeta: Database.Statement<[string, string]>;
  insertDoc: Database.Statement<[number, string, string, string, string]>;
  deleteDoc: Database.Statement<[number]>;
  insertFts: Database.Statement<FtsRow>;
  deleteFts: Database.Statement<[number]>;
  insertGrams: Database.Statement<FtsRow>;
  deleteGrams: Database.Statement<[number]>;
  matchRowids: Database.Statement<[string], number>;
  matchGramRowids: Database.Statement<[string], number>;
  wordDocuments: Database.Statement<[string], number>;
  matchScored: Database.Statement<[string], [number, number]>;
  matchGramsScored: Database.Statement<[string], [number, number]>;
  bodyOf: Database.Statement<[number], { body: string; body_norm: string }>;
  loadDocs: Database.Statement<[], { slot: number; id: string; fields: string; body: string; body_norm: string }>;
  /** The word columns of the rows after a slot, a page at a time, to rebuild the in-memory word index. */
  loadWords: Database.Statement<[number, number], FtsRow>;
}


export function writeDoc({ statements, doc, slot }: { statements: Statements; doc: PreparedDoc; slot: number }): void {
  statements.insertDoc.run(slot, doc.id, doc.fieldsJson, doc.body, doc.normalizedBody);
  statements.deleteFts.run(slot);
  statements.insertFts.run(slot, ...doc.words);
  statements.deleteGrams.run(slot);
  statements.insertGrams.run(slot, ...doc.grams);
}

// ---------------------------------------------------------------------------------------------
// Schema

export const CREATE_TABLES = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS docs (
    slot INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    fields TEXT NOT NULL,
    body TEXT NOT NULL,
    body_norm TEXT NOT NULL
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    title, tag_text, body, doc_number, issuer,
    tokenize = 'unicode61 remove_diacritics 0'
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS docs_vocab USING fts5vocab(docs_fts, 'row');
  CREATE VIRTUAL TABLE IF NOT EXISTS docs_grams USING fts5(
    title, tag_text, body, doc_number, issuer,
    tokenize = 'unicode61 remove_diacritics 0'
  );
`;

export function storedSchemaVersion(db: SqliteDatabase): string | null {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return null;
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
  return row?.value ?? null;
}

/**
 * The index only mirrors the store, so an index written by another schema version is dropped
 * rather than migrated; its watermark goes back to 0 and the next sync rebuilds it.
 */
export function ensureSchema(db: SqliteDatabase): void {
  const version = storedSchemaVersion(db);
  if (version !== null && version !== SCHEMA_VERSION) db.exec('DROP TABLE IF EXISTS docs_vocab; DROP TABLE IF EXISTS docs_fts; DROP TABLE IF EXISTS docs_grams; DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS meta;');
  db.exec(CREATE_TABLES);
  db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(SCHEMA_VERSION);
  db.prepare("INSERT INTO meta (key, value) VALUES ('watermark', '0') ON CONFLICT(key) DO NOTHING").run();
}

export function prepareStatements(db: SqliteDatabase): Statements {
  const weights = [BM25_WEIGHTS.title, BM25_WEIGHTS.tagText, BM25_WEIGHTS.body, BM25_WEIGHTS.docNumber, BM25_WEIGHTS.issuer].join(', ');
  return {
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    insertDoc: db.prepare<[number, string, string, string, string]>(
      'INSERT OR REPLACE INTO docs (slot, id, fields, body, body_norm) VALUES (?, ?, ?, ?, ?)',
    ),
    deleteDoc: db.prepare<[number]>('DELETE FROM docs WHERE slot = ?'),
    insertFts: db.prepare<FtsRow>('INSERT INTO docs_fts (rowid, title, tag_text, body, doc_number, issuer) VALUES (?, ?, ?, ?, ?, ?)'),
    deleteFts: db.prepare<[number]>('DELETE FROM docs_fts WHERE rowid = ?'),
    insertGrams: db.prepare<FtsRow>('INSERT INTO docs_grams (rowid, title, tag_text, body, doc_number, issuer) VALUES (?, ?, ?, ?, ?, ?)'),
    deleteGrams: db.prepare<[number]>('DELETE FROM docs_grams WHERE rowid = ?'),
    matchRowids: db.prepare<[string], number>('SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?').pluck(),
    matchGramRowids: db.prepare<[string], number>('SELECT rowid FROM docs_grams WHERE docs_grams MATCH ?').pluck(),
    wordDocuments: db.prepare<[string], number>('SELECT doc FROM docs_vocab WHERE term = ?').pluck(),
    matchScored: db.prepare<[string], [number, number]>(`SELECT rowid, bm25(docs_fts, ${weights}) FROM docs_fts WHERE docs_fts MATCH ?`).raw(),
    matchGramsScored: db.prepare<[string], [number, number]>(`SELECT rowid, bm25(docs_grams, ${weights}) FROM docs_grams WHERE docs_grams MATCH ?`).raw(),
    bodyOf: db.prepare<[number], { body: string; body_norm: string }>('SELECT body, body_norm FROM docs WHERE slot = ?'),
    loadDocs: db.prepare<[], { slot: number; id: string; fields: string; body: string; body_norm: string }>('SELECT slot, id, fields, body, body_norm FROM docs ORDER BY slot'),
    loadWords: db
      .prepare<[number, number], FtsRow>('SELECT rowid, title, tag_text, body, doc_number, issuer FROM docs_fts WHERE rowid > ? ORDER BY rowid LIMIT ?')
      .raw(),
  };
}
