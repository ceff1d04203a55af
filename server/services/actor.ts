import type { Role } from '../../schemas/user.schema.js';

/** Who performs an action: a staff user, or the system itself (demo loader, importer). */
export interface Actor {
  id: string;
  name: string;
  role: Role;
}

export const SYSTEM_IMPORTER: Actor = { id: 'system-import', name: '批量导入', role: 'admin' };
export const SYSTEM_REVIEWER: Actor = { id: 'system-review', name: '历史文件导入审查', role: 'reviewer' };
