import type { TextFindings } from '../../schemas/text-findings.schema.js';

/**
 * The repair history and suspect-line decisions of each policy working copy (one record per
 * policy, keyed by its id).
 */
export interface TextFindingsRepository {
  get(policyId: string): Promise<TextFindings | null>;
  /** Creates or replaces the policy's record. */
  save(findings: TextFindings): Promise<void>;
}
