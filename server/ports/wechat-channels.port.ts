import type { OfficialAccountSettings, PlatformToken, RobotStatus, WecomRobot } from '../../schemas/wechat-channels.schema.js';

/**
 * Settings of the official WeChat channels and the access tokens they share. One office per
 * installation: the 服务号 settings are a single record; robots are one per park group.
 */
export interface WechatChannelRepository {
  getOfficialAccount(): Promise<OfficialAccountSettings | null>;
  saveOfficialAccount(settings: OfficialAccountSettings): Promise<void>;
  /** Inserts or replaces the robot of the contact (a park group). */
  saveRobot(robot: WecomRobot): Promise<void>;
  getRobot(contactId: string): Promise<WecomRobot | null>;
  /** Every robot, or the robots of one park, by park and group name. */
  listRobots(input: { parkId?: string }): Promise<WecomRobot[]>;
  /** Records the outcome of the latest send; false when the robot no longer exists. */
  markRobot(input: { contactId: string; status: RobotStatus; error: string | null; at: string }): Promise<boolean>;
  getToken(name: string): Promise<PlatformToken | null>;
  /**
   * Takes the right to refresh the named token: true when nobody else holds a live lease (or the
   * caller already does). Atomic, so of several worker processes exactly one refreshes.
   */
  acquireTokenLease(input: { name: string; owner: string; now: string; leaseUntil: string }): Promise<boolean>;
  /** Stores a fresh token and ends the owner's lease. */
  saveToken(input: { name: string; owner: string; token: string; expiresAt: string; at: string }): Promise<void>;
  /** Forgets the token if it is still `token` (a token another process just stored stays). */
  invalidateToken(input: { name: string; token: string; at: string }): Promise<void>;
}
