import type { TestPlatform } from './test-platform.js';

/**
 * 三同步: a policy is submitted with its interpretation package or with a recorded reason why it has
 * none. Tests about other parts of the workflow record the reason.
 */
export async function recordExemption({ t, id, token, reason = '测试用文件，无需解读' }: { t: TestPlatform; id: string; token: string; reason?: string }): Promise<void> {
  const current = await t.api<{ draft: { revision: number } | null }>({ path: `/api/v1/staff/policies/${id}/interpretation`, token });
  if (current.status !== 200) throw new Error(`could not read the interpretation of ${id}: ${JSON.stringify(current.body)}`);
  const saved = await t.api({
    method: 'PATCH',
    path: `/api/v1/policies/${id}/interpretation`,
    token,
    body: { revision: current.body.draft?.revision ?? 0, exemption: { reason } },
  });
  if (saved.status !== 200) throw new Error(`could not record the exemption of ${id}: ${JSON.stringify(saved.body)}`);
}
