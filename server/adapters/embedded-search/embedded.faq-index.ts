/**
 * FAQ search embedded in the application process: SQLite FTS5 over jieba-segmented text, like the
 * policy index, in tables of its own on its own connection to the same file. FAQ lists are small
 * (tens per policy), so filters and ordering run in memory after the text match.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import { searchIndexClosed } from './embedded.search-errors.js';
import type { FaqIndex, FaqSearchDoc, FaqSearchHitDoc, FaqSearchRequest } from '../../ports/faq-index.port.js';
import { compoundParts, segmentForIndex, segmentQuery } from '../../text/segmenter.js';
import { faqSnippet, markTerms } from '../../text/highlight.js';
import { openDatabase } from '../sqlite/sqlite.support.js';
import { dice, WORDING_WEIGHT, wordingBigrams } from '../../text/wording.js';

/**
 * Bump when the layout or the tokenisation changes: the FAQ tables are then rebuilt from the store.
 * 2: an ordinary FTS5 table; contentless_delete kept deleted rows in bm25's totals, so scores drifted on every re-apply.
 */
const SCHEMA_VERSION = '2';
/** bm25 weights in column order: the question says what a FAQ is about far more than its answer. */
const WEIGHTS = [8, 2, 3, 1, 2] as const;

type SqliteDatabase = Database.Database;

interface Statements {
  getMeta: Database.Statement<[string], string>;
  setMeta: Database.Statement<[string, string]>;
  insertDoc: Database.Statement<[string, string, string]>;
  insertFts: Database.Statement<[number, string, string, string, string, string]>;
  rowsOfPolicy: Database.Statement<[string], number>;
  deleteDoc: Database.Statement<[number]>;
  deleteFts: Database.Statement<[number]>;
  match: Database.Statement<[string], [number, number]>;
  allDocs: Database.Statement<[], { rowid: number; doc: string }>;
  docByRow: Database.Statement<[number], string>;
  count: Database.Statement<[], number>;
}

const CREATE = `
  CREATE TABLE IF NOT EXISTS faq_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS faq_docs (
    rowid INTEGER PRIMARY KEY,
    faq_id TEXT NOT NULL UNIQUE,
    policy_id TEXT NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS faq_docs_policy ON faq_docs (policy_id);
  CREATE VIRTUAL TABLE IF NOT EXISTS faq_fts USING fts5(
    question, answer, policy_title, tag_text, category,
    tokenize = 'unicode61 remove_diacritics 0'
  );
`;

function quote(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}

/** A query word matches whole, or through all of its parts where the text was segmented differently. */
function wordExpression(word: string): string {
  const parts = compoundParts(word);
  return parts.length === 0 ? quote(word) : `(${quote(word)} OR (${parts.map(quote).join(' AND ')}))`;
}

function tokens(text: string | null): string {
  return text ? segmentForIndex(text).join(' ') : '';
}

function matchesTags({ doc, filters }: { doc: FaqSearchDoc; filters: Partial<Record<DimensionId, string[]>> }): boolean {
  for (const [dimension, wanted] of Object.entries(filters) as [DimensionId, string[] | undefined][]) {
    if (!wanted || wanted.length === 0) continue;
    const have = doc.tagsByDimension[dimension] ?? [];
    if (!wanted.some((tag) => have.includes(tag))) return false;
  }
  return true;
}

export class EmbeddedFaqIndex implements FaqIndex {
  private db: SqliteDatabase | null = null;
  private statements: Statements | null = null;

  constructor(private readonly file: string) {}

  async open(): Promise<void> {
    if (this.db) return;
    const db = openDatabase({ file: this.file });
    try {
      const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'faq_meta'").get();
      const version = hasMeta ? db.prepare<[], string>("SELECT value FROM faq_meta WHERE key = 'schema_version'").pluck().get() : undefined;
      // Derived data: a different layout is dropped and rebuilt from the store, not migrated.
      if (version !== undefined && version !== SCHEMA_VERSION) db.exec('DROP TABLE IF EXISTS faq_fts; DROP TABLE IF EXISTS faq_docs; DROP TABLE IF EXISTS faq_meta;');
      db.exec(CREATE);
      db.prepare("INSERT INTO faq_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(SCHEMA_VERSION);
      db.prepare("INSERT INTO faq_meta (key, value) VALUES ('watermark', '0') ON CONFLICT(key) DO NOTHING").run();
      this.statements = {
        getMeta: db.prepare<[string], string>('SELECT value FROM faq_meta WHERE key = ?').pluck(),
        setMeta: db.prepare<[string, string]>('INSERT INTO faq_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
        insertDoc: db.prepare<[string, string, string]>('INSERT INTO faq_docs (faq_id, policy_id, doc) VALUES (?, ?, ?)'),
        insertFts: db.prepare<[number, string, string, string, string, string]>(
          'INSERT INTO faq_fts (rowid, question, answer, policy_title, tag_text, category) VALUES (?, ?, ?, ?, ?, ?)',
        ),
        rowsOfPolicy: db.prepare<[string], number>('SELECT rowid FROM faq_docs WHERE policy_id = ?').pluck(),
        deleteDoc: db.prepare<[number]>('DELETE FROM faq_docs WHERE rowid = ?'),
        deleteFts: db.prepare<[number]>('DELETE FROM faq_fts WHERE rowid = ?'),
        match: db.prepare<[string], [number, number]>(`SELECT rowid, bm25(faq_fts, ${WEIGHTS.join(', ')}) FROM faq_fts WHERE faq_fts MATCH ?`).raw(),
        allDocs: db.prepare<[], { rowid: number; doc: string }>('SELECT rowid, doc FROM faq_docs'),
        docByRow: db.prepare<[number], string>('SELECT doc FROM faq_docs WHERE rowid = ?').pluck(),
        count: db.prepare<[], number>('SELECT COUNT(*) FROM faq_docs').pluck(),
      };
      this.db = db;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
    this.statements = null;
  }

  private connection(): { db: SqliteDatabase; statements: Statements } {
    if (!this.db || !this.statements) {
      throw searchIndexClosed();
    }
    return { db: this.db, statements: this.statements };
  }

  async replaceFaqs({ policyIds, docs }: { policyIds: string[]; docs: FaqSearchDoc[] }): Promise<void> {
    const { db, statements } = this.connection();
    const prepared = docs.map((doc) => ({
      doc,
      fts: [tokens(doc.question), tokens(doc.answer), tokens(doc.policyTitle), tokens(doc.tagText), tokens(doc.category)] as const,
    }));
    db.transaction(() => {
      for (const policyId of new Set([...policyIds, ...docs.map((d) => d.policyId)])) {
        for (const rowid of statements.rowsOfPolicy.all(policyId)) {
          statements.deleteFts.run(rowid);
          statements.deleteDoc.run(rowid);
        }
      }
      for (const { doc, fts } of prepared) {
        const rowid = Number(statements.insertDoc.run(doc.faqId, doc.policyId, JSON.stringify(doc)).lastInsertRowid);
        statements.insertFts.run(rowid, ...fts);
      }
    })();
  }

  async searchFaqs(request: FaqSearchRequest): Promise<{ total: number; hits: FaqSearchHitDoc[] }> {
    const { statements } = this.connection();
    const words = request.q ? segmentQuery(request.q) : [];
    const terms = [...new Set(words.flatMap((word) => [word, ...compoundParts(word).filter((part) => [...part].length > 1)]))].sort((a, b) => b.length - a.length);
    let scored: { rowid: number; score: number }[];
    if (words.length === 0) {
      scored = statements.allDocs.all().map((row) => ({ rowid: row.rowid, score: 0 }));
    } else {
      const groups = words.map(wordExpression);
      const run = (expression: string) => statements.match.all(expression).map(([rowid, bm25]) => ({ rowid, score: -bm25 }));
      scored = run(groups.join(' AND '));
      // A plain question rarely has every word in one FAQ; then any of them, best first.
      if (scored.length === 0 && groups.length > 1) scored = run(groups.join(' OR '));
    }
    const candidates = scored.flatMap(({ rowid, score }) => {
      const json = statements.docByRow.get(rowid);
      if (json === undefined) return [];
      const doc = JSON.parse(json) as FaqSearchDoc;
      if (request.policyId && doc.policyId !== request.policyId) return [];
      if (doc.expiresAt && doc.expiresAt < request.today) return [];
      if (!matchesTags({ doc, filters: request.tagFilters })) return [];
      return [{ doc, score }];
    });
    if (words.length > 0 && candidates.length > 0) {
      const query = wordingBigrams(request.q ?? '');
      const best = Math.max(...candidates.map((c) => c.score));
      for (const candidate of candidates) {
        const relevance = best > 0 ? candidate.score / best : 0;
        candidate.score = (1 - WORDING_WEIGHT) * relevance + WORDING_WEIGHT * dice(query, wordingBigrams(candidate.doc.question));
      }
    }
    candidates.sort(
      (a, b) =>
        b.score - a.score ||
        (a.doc.updatedAt < b.doc.updatedAt ? 1 : a.doc.updatedAt > b.doc.updatedAt ? -1 : 0) ||
        (a.doc.policyId < b.doc.policyId ? -1 : a.doc.policyId > b.doc.policyId ? 1 : 0) ||
        a.doc.position - b.doc.position,
    );
    const page = candidates.slice(Math.max(0, request.offset), Math.max(0, request.offset) + Math.max(0, request.limit));
    return {
      total: candidates.length,
      hits: page.map(({ doc, score }) => ({
        doc,
        questionHtml: markTerms({ text: doc.question, terms }),
        answerSnippet: faqSnippet({ text: doc.answer, terms }),
        score,
      })),
    };
  }

  async clearFaqs(): Promise<void> {
    const { db, statements } = this.connection();
    db.transaction(() => {
      db.exec('DELETE FROM faq_docs; DELETE FROM faq_fts;');
      statements.setMeta.run('watermark', '0');
    })();
  }

  async getFaqWatermark(): Promise<number> {
    return Number(this.connection().statements.getMeta.get('watermark') ?? 0);
  }

  async setFaqWatermark(seq: number): Promise<void> {
    this.connection().statements.setMeta.run('watermark', String(seq));
  }

  async countFaqs(): Promise<number> {
    return this.connection().statements.count.get() ?? 0;
  }
}
