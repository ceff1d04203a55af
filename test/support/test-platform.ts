import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.js';
import { createLogger, type Logger } from '../../server/logger.js';
import { startPlatform, type RunningPlatform } from '../../server/platform.js';
import type { SearchIndex } from '../../server/ports/search-index.port.js';
import { TEST_TAXONOMY_TAGS } from './fixtures.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestPlatform {
  platform: RunningPlatform;
  url: string;
  dataDir: string;
  api<T = Record<string, unknown>>(input: { method?: string; path: string; token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** Creates a staff user through the admin API and returns its token. */
  user(input: { id: string; role: 'admin' | 'drafter' | 'reviewer'; name?: string }): Promise<string>;
  close(): Promise<void>;
}

/** The real platform on a random port with its own temporary data directory. */
export async function startTestPlatform({
  demo = false,
  env = {},
  dataDir,
  searchIndex,
  logger = createLogger({ level: 'silent' }),
}: { demo?: boolean; env?: Record<string, string>; dataDir?: string; searchIndex?: (input: { dataDir: string }) => SearchIndex; logger?: Logger } = {}): Promise<TestPlatform> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'policy-push-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    DEMO_DATA: demo ? '1' : '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const platform = await startPlatform({ config, logger, responseCheck: 'strict', indexCatchUp: 'before_return', ...(searchIndex ? { searchIndex: searchIndex({ dataDir: dir }) } : {}) });
  if (!demo) await platform.services.taxonomy.seed({ dimensions: [], tags: TEST_TAXONOMY_TAGS });
  const url = platform.url ?? '';

  const api: TestPlatform['api'] = async ({ method = 'GET', path: route, token, body, rawBody, headers = {} }) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(rawBody !== undefined ? { body: rawBody } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const parsed = text.length > 0 && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
    return { status: response.status, body: parsed, headers: response.headers };
  };

  return {
    platform,
    url,
    dataDir: dir,
    api,
    user: async ({ id, role, name }) => {
      const created = await api<{ token: string }>({ method: 'POST', path: '/api/v1/users', token: TEST_ADMIN_TOKEN, body: { id, role, name: name ?? id } });
      if (created.status !== 201) throw new Error(`could not create user ${id}: ${JSON.stringify(created.body)}`);
      return created.body.token;
    },
    close: async () => {
      await platform.close();
      if (!dataDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
