import { z } from 'zod';

/** Upload fields beside the file: none yet; the file alone is read. */
export const policyDocumentFieldsSchema = z.strictObject({});

const warningSchema = z.object({ code: z.string(), message: z.string(), line: z.number().int().optional() });

/**
 * What a file would become, without anything written: the extracted text and blocks, the repaired
 * text with its repairs and suspect lines, and the policy fields the text proposes. A client shows
 * it, lets the drafter correct the fields, then creates the draft with `POST /api/v1/policies`.
 */
export const policyDocumentPreviewSchema = z
  .object({
    filename: z.string(),
    format: z.enum(['docx', 'pdf', 'html', 'txt', 'md', 'jsonl', 'csv']),
    encoding: z.string().describe('utf-8, utf-16le/be, gb18030, big5, or pdf for a PDF text layer'),
    title: z.string().nullable().describe('The title the container declares (Word, PDF info, web page), if any'),
    text: z.string().describe('Extracted text, one paragraph per line, tables as tab-separated rows'),
    blocks: z.array(z.object({ kind: z.enum(['heading', 'paragraph', 'table', 'list-item']), text: z.string(), level: z.number().int().optional() })),
    warnings: z.array(warningSchema),
    prepared: z.object({
      text: z.string().describe('Repaired text; suspect lines are still in it until the drafter decides'),
      repairs: z.array(z.object({ code: z.string(), message: z.string(), line: z.number().int().optional(), before: z.string(), after: z.string() })),
      suspects: z.array(z.object({ line: z.number().int(), text: z.string(), code: z.string(), reason: z.string() })),
      warnings: z.array(warningSchema),
      metadata: z.object({
        title: z.string().optional(),
        issuer: z.string().optional(),
        documentNumber: z.string().optional(),
        writtenOn: z.string().optional(),
        issuedOn: z.string().optional(),
        addressees: z.array(z.string()).optional(),
        attachments: z.array(z.string()).optional(),
        effectiveFrom: z.string().optional(),
        effectiveUntil: z.string().optional(),
      }),
    }),
    proposal: z
      .object({
        title: z.string().nullable(),
        issuer: z.string().nullable(),
        docNumber: z.string().nullable(),
        issuedAt: z.string().nullable(),
        effectiveAt: z.string().nullable(),
        expiresAt: z.string().nullable(),
        body: z.string(),
      })
      .describe('Fields for POST /api/v1/policies, to be confirmed by the drafter'),
  })
  .meta({ id: 'PolicyDocumentPreview' });
export type PolicyDocumentPreview = z.infer<typeof policyDocumentPreviewSchema>;
