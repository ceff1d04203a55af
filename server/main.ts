import fs from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { applyHeapPolicy } from './heap-policy.js';
import { createLogger } from './logger.js';
import { startPlatform } from './platform.js';

async function main(): Promise<void> {
  applyHeapPolicy();
  // Variables already in the environment win over the file.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n请检查环境变量或 .env.example 中的说明。\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.LOG_LEVEL });
  const platform = await startPlatform({ config, logger });
  if (platform.url) process.stdout.write(`政策解读与标签推送平台已启动：${platform.url}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`启动失败：${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
