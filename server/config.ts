import path from 'node:path';
import { configEnvSchema, type ConfigEnv } from '../schemas/config.schema.js';

export interface Config extends ConfigEnv {
  dataDir: string;
  /** Where people reach this site: links in e-mails, unsubscribe links and the summary card. */
  PUBLIC_BASE_URL: string;
}

/**
 * Without PUBLIC_BASE_URL, links point at this process on its own port. PORT=0 (any free port)
 * names no port a link could use, so those links keep the documented 3000.
 */
export function defaultPublicBaseUrl({ port }: { port: number }): string {
  return `http://localhost:${port === 0 ? 3000 : port}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`配置有误（configuration is invalid）:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and checks the environment once at start; a bad value stops the process with every problem listed. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  }
  const config = parsed.data;
  const problems: string[] = [];
  if (config.STORE === 'mongodb' && !config.MONGODB_URL) problems.push('STORE=mongodb 需要同时设置 MONGODB_URL');
  if (config.SEARCH === 'elasticsearch' && !config.ELASTICSEARCH_URL) problems.push('SEARCH=elasticsearch 需要同时设置 ELASTICSEARCH_URL');
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, dataDir: path.resolve(config.DATA_DIR), PUBLIC_BASE_URL: config.PUBLIC_BASE_URL ?? defaultPublicBaseUrl({ port: config.PORT }) };
}
