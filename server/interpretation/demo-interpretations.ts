import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { packageContentSchema } from '../../schemas/interpretation.schema.js';
import type { Actor } from '../services/actor.js';
import type { FaqService } from './faq.service.js';
import { emptyContent, type InterpretationService } from './interpretation.service.js';

const DEMO_EDITOR: Actor = { id: 'demo-interpretation', name: '示例解读起草', role: 'drafter' };

const demoPackagesSchema = z.array(
  z.object({
    policyId: z.string(),
    content: packageContentSchema,
    faqs: z.array(z.object({ question: z.string(), answer: z.string(), category: z.string().nullable() })),
  }),
);
type DemoPackage = z.infer<typeof demoPackagesSchema>[number];

/** Data files sit beside the sources and are read from there whether the code runs compiled or not. */
function demoFile(name: string): string {
  const compiled = fileURLToPath(new URL(`../demo/${name}`, import.meta.url));
  return fs.existsSync(compiled) ? compiled : fileURLToPath(new URL(`../../../server/demo/${name}`, import.meta.url));
}

function read(name: string): DemoPackage[] {
  return demoPackagesSchema.parse(JSON.parse(fs.readFileSync(demoFile(name), 'utf8')));
}

const demoExemptionsSchema = z.array(z.object({ policyId: z.string(), reason: z.string().min(10) }));

/**
 * Packages with FAQs for demo policies imported as published, so a fresh start shows
 * interpretations, and for every other published demo policy the recorded reason it has none: the
 * demo keeps the 三同步 rule it demonstrates.
 */
export async function loadDemoInterpretations({ interpretation }: { interpretation: InterpretationService }): Promise<number> {
  let loaded = 0;
  for (const entry of read('interpretations.json')) {
    await interpretation.importPackage({ policyId: entry.policyId, content: entry.content, faqs: entry.faqs, actor: DEMO_EDITOR });
    loaded += 1;
  }
  for (const entry of demoExemptionsSchema.parse(JSON.parse(fs.readFileSync(demoFile('exemptions.json'), 'utf8')))) {
    await interpretation.importPackage({ policyId: entry.policyId, content: emptyContent(), faqs: [], actor: DEMO_EDITOR, exemption: entry.reason });
  }
  return loaded;
}

/**
 * Writes the package of a demo policy that goes through the workflow, before it is submitted, so the
 * 三同步 gate sees a complete package. Policies without a demo package are left alone.
 */
export async function attachDemoDraftPackage({ interpretation, faqs, policyId }: { interpretation: InterpretationService; faqs: FaqService; policyId: string }): Promise<void> {
  const entry = read('draft-interpretations.json').find((candidate) => candidate.policyId === policyId);
  if (!entry) return;
  await interpretation.update({ actor: DEMO_EDITOR, policyId, body: { revision: 0, ...entry.content } });
  for (const faq of entry.faqs) await faqs.create({ actor: DEMO_EDITOR, policyId, body: faq });
}
