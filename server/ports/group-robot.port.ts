import type { PlatformAnswer } from './official-account.port.js';

/** A WeCom group robot message: markdown text or a news card. */
export type RobotMessage =
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'news'; news: { articles: { title: string; description: string; url: string; picurl?: string }[] } };

/**
 * WeCom group robots, each reached by the key of its webhook. Answers come back as they are; an
 * unreachable platform rejects with `PlatformUnreachableError` (official-account.port.ts).
 */
export interface GroupRobotApi {
  send(input: { key: string; message: RobotMessage }): Promise<PlatformAnswer>;
}
