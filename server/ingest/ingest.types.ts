/**
 * What every document format yields once read (before repair), and what the repair and hygiene
 * step makes of it. Format readers (`server/ingest/formats/`) produce an `ExtractedDocument`;
 * `prepareDocument` turns its text into the text the public sees plus the findings a drafter
 * confirms. The two halves meet only through these types.
 */

export type SourceFormat = 'docx' | 'pdf' | 'html' | 'txt' | 'md' | 'jsonl' | 'csv';

export interface IngestWarning {
  code: string;
  /** Chinese, for the drafter. */
  message: string;
  /** 1-based line of the extracted text, when the warning is about one line. */
  line?: number;
}

export interface ExtractedBlock {
  kind: 'heading' | 'paragraph' | 'table' | 'list-item';
  text: string;
  /** Heading level as the source marked it (Word heading style, HTML h1–h6), when it did. */
  level?: number;
}

export interface ExtractedDocument {
  format: SourceFormat;
  /** The encoding the bytes were decoded from (`utf-8`, `gb18030`, `big5`, or the container's). */
  encoding: string;
  /** Plain text, one paragraph per line; tables as tab-separated rows. */
  text: string;
  blocks: ExtractedBlock[];
  /** A title the container declares (docx core properties, HTML <title>/<h1>, PDF info), if any. */
  title?: string;
  warnings: IngestWarning[];
}

export interface Repair {
  code: string;
  message: string;
  line?: number;
  before: string;
  after: string;
}

export interface SuspectLine {
  line: number;
  text: string;
  code: string;
  /** Chinese: why the line looks injected. */
  reason: string;
}

export interface MetadataProposal {
  title?: string;
  issuer?: string;
  documentNumber?: string;
  /** 成文日期, `YYYY-MM-DD`. */
  writtenOn?: string;
  /** 印发日期, `YYYY-MM-DD`. */
  issuedOn?: string;
  addressees?: string[];
  attachments?: string[];
  effectiveFrom?: string;
  effectiveUntil?: string;
  /** The sentences the validity dates were read from (自…起施行，有效期至…), as written. */
  validityText?: string[];
}

export interface PreparedDocument {
  /** The repaired text, with suspect lines still in place (the drafter decides on them). */
  text: string;
  repairs: Repair[];
  suspects: SuspectLine[];
  warnings: IngestWarning[];
  metadata: MetadataProposal;
}
