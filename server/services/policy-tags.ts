import type { PolicyContent } from '../../schemas/policy.schema.js';

/** Every tag a policy names directly: applicability criteria, descriptive tags and its issuer level. */
export function policyTagIds(content: Pick<PolicyContent, 'criteria' | 'tags' | 'level'>): string[] {
  return [...new Set([...Object.values(content.criteria).flat(), ...content.tags, ...(content.level ? [content.level] : [])])];
}
