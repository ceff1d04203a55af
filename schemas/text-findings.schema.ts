import { z } from 'zod';
import { isoDateSchema, isoDateTimeSchema } from './common.schema.js';

/**
 * What the repair and hygiene step found in a draft's text, kept with the draft so the drafter can
 * see every automatic change and decide on every suspect line before review (see
 * docs/document-hygiene.md). The shapes mirror `server/ingest/ingest.types.ts`.
 */

export const textRepairSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    line: z.number().int().optional(),
    before: z.string(),
    after: z.string(),
    /** When the text carrying this repair was saved. */
    at: isoDateTimeSchema,
  })
  .meta({ id: 'TextRepair' });
export type TextRepair = z.infer<typeof textRepairSchema>;

export const SUSPECT_STATUS_LABELS = { pending: '待确认', excluded: '已删除', kept: '已保留' } as const;
export const suspectStatusSchema = z.enum(['pending', 'excluded', 'kept']);
export type SuspectStatus = z.infer<typeof suspectStatusSchema>;

export const suspectDecisionSchema = z
  .object({
    /** Line of the draft's current text (for an excluded line: where it stood when it was removed). */
    line: z.number().int().min(1),
    text: z.string(),
    code: z.string(),
    reason: z.string(),
    status: suspectStatusSchema,
    decidedBy: z.string().nullable(),
    decidedAt: isoDateTimeSchema.nullable(),
  })
  .meta({ id: 'SuspectDecision' });
export type SuspectDecision = z.infer<typeof suspectDecisionSchema>;

export const textWarningSchema = z.object({ code: z.string(), message: z.string(), line: z.number().int().optional() }).meta({ id: 'TextWarning' });
export type TextWarning = z.infer<typeof textWarningSchema>;

export const metadataProposalSchema = z
  .object({
    title: z.string().optional(),
    issuer: z.string().optional(),
    documentNumber: z.string().optional(),
    writtenOn: isoDateSchema.optional(),
    issuedOn: isoDateSchema.optional(),
    addressees: z.array(z.string()).optional(),
    attachments: z.array(z.string()).optional(),
    effectiveFrom: isoDateSchema.optional(),
    effectiveUntil: isoDateSchema.optional(),
    validityText: z.array(z.string()).optional(),
  })
  .meta({ id: 'MetadataProposal' });

/** One per policy working copy: the stored record (decisions and repair history). */
export const textFindingsSchema = z
  .object({
    policyId: z.string(),
    repairs: z.array(textRepairSchema),
    /** Decisions taken so far; lines still pending are found again from the text whenever it is read. */
    suspects: z.array(suspectDecisionSchema),
    metadata: metadataProposalSchema,
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'TextFindings' });
export type TextFindings = z.infer<typeof textFindingsSchema>;

/** What a drafter sees: the stored record reconciled with the draft's current text. */
export const textFindingsViewSchema = z
  .object({
    policyId: z.string(),
    repairs: z.array(textRepairSchema),
    suspects: z.array(suspectDecisionSchema),
    warnings: z.array(textWarningSchema),
    metadata: metadataProposalSchema,
    pending: z.number().int(),
  })
  .meta({ id: 'TextFindingsView' });
export type TextFindingsView = z.infer<typeof textFindingsViewSchema>;

export const suspectDecisionBodySchema = z
  .strictObject({
    line: z.number().int().min(1),
    /** The line's text as the drafter saw it, so a decision never lands on a line that has moved. */
    text: z.string().max(20_000),
    decision: z.enum(['excluded', 'kept']),
  })
  .meta({ id: 'SuspectDecisionBody' });
export type SuspectDecisionBody = z.infer<typeof suspectDecisionBodySchema>;

const repairFoundSchema = z.object({ code: z.string(), message: z.string(), line: z.number().int().optional(), before: z.string(), after: z.string() });
const suspectFoundSchema = z.object({ line: z.number().int(), text: z.string(), code: z.string(), reason: z.string() });

export const recheckReportSchema = z
  .object({
    checked: z.number().int(),
    entries: z.array(
      z.object({
        policyId: z.string(),
        title: z.string(),
        status: z.enum(['draft', 'in_review', 'approved', 'published', 'repealed']),
        currentVersion: z.number().int().nullable(),
        repairs: z.array(repairFoundSchema),
        suspects: z.array(suspectFoundSchema),
        warnings: z.array(textWarningSchema),
      }),
    ),
    totals: z.object({ repairs: z.number().int(), suspects: z.number().int(), warnings: z.number().int() }),
  })
  .meta({ id: 'RecheckReport' });
