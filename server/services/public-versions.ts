import type { PolicyRecord, PolicyVersion } from '../../schemas/policy.schema.js';
import { notFound } from '../errors.js';
import type { Store } from '../ports/store.port.js';

export interface PublicVersion {
  policy: PolicyRecord;
  /** The version asked for (the current one when none was named). */
  chosen: PolicyVersion;
  /** The version in force; a superseded `chosen` is a historical version, never 现行有效. */
  current: PolicyVersion;
  isCurrent: boolean;
}

/**
 * The one rule for what the public may see of a policy, used by every public path (API, web pages,
 * feeds, search and FAQ indexing, comparison, interpretation, cards, questions):
 * - the policy has a published version and that current version is 主动公开; once a revision
 *   withdraws a policy from disclosure (依申请公开 or 不予公开), none of its versions is public;
 * - the chosen version is itself 主动公开.
 * Anything else answers exactly like a missing id, so nobody can probe for withheld documents.
 */
export class PublicVersions {
  constructor(private readonly deps: { store: Store }) {}

  async find({ policyId, version }: { policyId: string; version?: number }): Promise<PublicVersion | null> {
    const policy = await this.deps.store.policies.get(policyId);
    if (!policy || policy.currentVersion === null) return null;
    const current = await this.deps.store.policies.getVersion({ policyId, version: policy.currentVersion });
    if (!current || current.disclosure !== 'public') return null;
    if (version === undefined || version === current.version) return { policy, chosen: current, current, isCurrent: true };
    const chosen = await this.deps.store.policies.getVersion({ policyId, version });
    if (!chosen || chosen.disclosure !== 'public') return null;
    return { policy, chosen, current, isCurrent: false };
  }

  async require({ policyId, version }: { policyId: string; version?: number }): Promise<PublicVersion> {
    const found = await this.find({ policyId, ...(version === undefined ? {} : { version }) });
    if (!found) throw notFound({ code: 'policy_not_found', message: '未找到该政策文件' });
    return found;
  }

  /** Every public version of a policy, oldest first; empty when the policy is not public at all. */
  async list({ policyId }: { policyId: string }): Promise<PolicyVersion[]> {
    const found = await this.find({ policyId });
    return found ? this.versionsOf(found) : [];
  }

  /**
   * Every public version of a policy `find` has just answered for, without reading the policy and
   * its current version again (a policy page used to read and parse them twice).
   */
  async versionsOf(found: PublicVersion): Promise<PolicyVersion[]> {
    const versions = await this.deps.store.policies.listVersions({ policyId: found.policy.id });
    return versions.filter((v) => v.disclosure === 'public');
  }
}
