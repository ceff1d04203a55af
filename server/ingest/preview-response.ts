import type { PolicyDocumentPreview } from '../../schemas/policy-document.schema.js';
import type { DocumentPreview } from './document-intake.js';
import type { IngestWarning, MetadataProposal } from './ingest.types.js';

const warning = (w: IngestWarning) => ({ code: w.code, message: w.message, ...(w.line === undefined ? {} : { line: w.line }) });

function metadataOf(m: MetadataProposal): PolicyDocumentPreview['prepared']['metadata'] {
  const out: PolicyDocumentPreview['prepared']['metadata'] = {};
  if (m.title !== undefined) out.title = m.title;
  if (m.issuer !== undefined) out.issuer = m.issuer;
  if (m.documentNumber !== undefined) out.documentNumber = m.documentNumber;
  if (m.writtenOn !== undefined) out.writtenOn = m.writtenOn;
  if (m.issuedOn !== undefined) out.issuedOn = m.issuedOn;
  if (m.addressees !== undefined) out.addressees = m.addressees;
  if (m.attachments !== undefined) out.attachments = m.attachments;
  if (m.effectiveFrom !== undefined) out.effectiveFrom = m.effectiveFrom;
  if (m.effectiveUntil !== undefined) out.effectiveUntil = m.effectiveUntil;
  return out;
}

/** The preview as the API publishes it: named fields only, so a field added to the ingest types is not sent unannounced. */
export function previewResponse(preview: DocumentPreview): PolicyDocumentPreview {
  const { extracted, prepared } = preview;
  return {
    filename: preview.filename,
    format: extracted.format,
    encoding: extracted.encoding,
    title: extracted.title ?? null,
    text: extracted.text,
    blocks: extracted.blocks.map((b) => ({ kind: b.kind, text: b.text, ...(b.level === undefined ? {} : { level: b.level }) })),
    warnings: extracted.warnings.map(warning),
    prepared: {
      text: prepared.text,
      repairs: prepared.repairs.map((r) => ({ code: r.code, message: r.message, before: r.before, after: r.after, ...(r.line === undefined ? {} : { line: r.line }) })),
      suspects: prepared.suspects.map((s) => ({ line: s.line, text: s.text, code: s.code, reason: s.reason })),
      warnings: prepared.warnings.map(warning),
      metadata: metadataOf(prepared.metadata),
    },
    proposal: { ...preview.proposal },
  };
}
