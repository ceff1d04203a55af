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

  /**
   * `resolved` is a public version this request has already found for the same policy (the policy
   * page passes it to its slots): the policy and its current version are then not read again, and a
   * version it does not hold costs one read. Each request still resolves afresh, so a withdrawal or a
   * new version shows on the next request.
   */
  async find({ policyId, version, resolved }: { policyId: string; version?: number; resolved?: PublicVersion }): Promise<PublicVersion | null> {
    if (resolved && resolved.policy.id === policyId) return this.within({ found: resolved, version });
    const policy = await this.deps.store.policies.get(policyId);
    if (!policy || policy.currentVersion === null) return null;
    const current = await this.deps.store.policies.getVersion({ policyId, version: policy.currentVersion });
    if (!current || current.disclosure !== 'public') return null;
    return this.within({ found: { policy, chosen: current, current, isCurrent: true }, version });
  }

  /** The answer for `version` of a policy whose current version is already known to be public. */
  private async within({ found, version }: { found: PublicVersion; version: number | undefined }): Promise<PublicVersion | null> {
    const { policy, current } = found;
    if (version === undefined || version === current.version) return found.isCurrent ? found : { policy, chosen: current, current, isCurrent: true };
    if (version === found.chosen.version) return found;
    const chosen = await this.deps.store.policies.getVersion({ policyId: policy.id, version });
    if (!chosen || chosen.disclosure !== 'public') return null;
    return { policy, chosen, current, isCurrent: false };
  }

  async require({ policyId, version, resolved }: { policyId: string; version?: number; resolved?: PublicVersion }): Promise<PublicVersion> {
    const found = await this.find({ policyId, ...(version === undefined ? {} : { version }), ...(resolved ? { resolved } : {}) });
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
    // Versions are numbered from 1 and the current one is the latest: a first version is the only one.
    if (found.current.version === 1) return [found.current];
    const versions = await this.deps.store.policies.listVersions({ policyId: found.policy.id });
    return versions.filter((v) => v.disclosure === 'public');
  }
}
