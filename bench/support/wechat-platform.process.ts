/**
 * The local WeChat platform (test/support/fake-wechat-platform.ts) in its own process for the
 * delivery benchmark, like the SMTP sink: every openid follows, every robot key exists; answers
 * `{ type: 'count' }` with the messages it accepted.
 */
import { FakeWechatPlatform } from '../../test/support/fake-wechat-platform.js';

const platform = new FakeWechatPlatform();
platform.openHouse = true;
platform.apps.set(process.env.BENCH_APP_ID ?? '', process.env.BENCH_APP_SECRET ?? '');
await platform.start();
process.send?.({ type: 'ready', url: platform.url });
process.on('message', (message: unknown) => {
  if (typeof message !== 'object' || message === null || !('type' in message)) return;
  if (message.type === 'count') process.send?.({ type: 'count', received: platform.delivered });
  if (message.type === 'stop') void platform.stop().then(() => process.exit(0));
});
