import { z } from 'zod';
import type { GroupRobotApi, RobotMessage } from '../../ports/group-robot.port.js';
import { PlatformUnreachableError, type PlatformAnswer } from '../../ports/official-account.port.js';

const answerSchema = z.object({ errcode: z.number().int().default(0), errmsg: z.string().default('ok') });

/** WeCom group robots over HTTPS: `POST /cgi-bin/webhook/send?key=…`; the base address is a setting. */
export class WecomGroupRobotApi implements GroupRobotApi {
  constructor(private readonly deps: { baseUrl: string; timeoutMs?: number }) {}

  async send({ key, message }: { key: string; message: RobotMessage }): Promise<PlatformAnswer> {
    const url = new URL('/cgi-bin/webhook/send', this.deps.baseUrl);
    url.searchParams.set('key', key);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000) });
    } catch (error) {
      throw new PlatformUnreachableError(`无法连接企业微信：${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    try {
      return answerSchema.parse(JSON.parse(text));
    } catch {
      throw new PlatformUnreachableError(`企业微信返回了无法解析的应答（HTTP ${response.status}）`);
    }
  }
}
