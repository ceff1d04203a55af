import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { taxonomySchema, type TaxonomyData } from '../../schemas/taxonomy.schema.js';
import { createSubscriberBodySchema } from '../../schemas/subscriber.schema.js';
import { createSubscriptionBodySchema } from '../../schemas/subscription.schema.js';

const here = (name: string) => fileURLToPath(new URL(`../../../server/demo/${name}`, import.meta.url));

/**
 * Data files live next to the sources and are read from there whether the code runs compiled
 * (dist/server/demo) or through tsx (server/demo).
 */
function demoFile(name: string): string {
  const local = fileURLToPath(new URL(name, import.meta.url));
  return fs.existsSync(local) ? local : here(name);
}

export function loadDemoTaxonomy(): TaxonomyData {
  return taxonomySchema.parse(JSON.parse(fs.readFileSync(demoFile('taxonomy.json'), 'utf8')));
}

export function demoPolicyLines(): string[] {
  return fs.readFileSync(demoFile('policies.jsonl'), 'utf8').split('\n');
}

const demoSubscriberSchema = z.array(
  z.object({
    /** Lets enterprises name the demo park they belong to before its generated id exists. */
    key: z.string().optional(),
    parkKey: z.string().optional(),
    body: createSubscriberBodySchema,
    subscriptions: z.array(createSubscriptionBodySchema),
  }),
);

export function demoSubscribers() {
  return demoSubscriberSchema.parse(JSON.parse(fs.readFileSync(demoFile('subscribers.json'), 'utf8')));
}
