import path from 'node:path';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { StoreExport, StoreImport } from '../ports/store-transfer.port.js';
import { ElasticsearchSearchIndex } from './elasticsearch/elasticsearch.search-index.js';
import { EmbeddedSearchIndex } from './embedded-search/embedded.search-index.js';
import { MongoStoreImport } from './mongodb/mongo-store.import.js';
import { MongoStore } from './mongodb/mongo.store.js';
import { SqliteStoreExport } from './sqlite/sqlite-store.export.js';
import { SqliteStore } from './sqlite/sqlite.store.js';

/** The only place that knows which engine backs each port. */
export function createStore({ config }: { config: Config }): Store {
  if (config.STORE === 'sqlite') return new SqliteStore({ file: path.join(config.dataDir, 'platform.sqlite') });
  // loadConfig() refuses STORE=mongodb without MONGODB_URL; the check here keeps the type honest.
  if (config.STORE === 'mongodb' && config.MONGODB_URL) return new MongoStore({ url: config.MONGODB_URL });
  throw new DomainError({ type: 'unavailable', code: 'store_unavailable', message: `存储引擎 ${config.STORE} 的适配器尚未提供，请使用 STORE=sqlite` });
}

/** The embedded store of DATA_DIR, read out for a move to another engine (read-only). */
export function createStoreExport({ config }: { config: Config }): StoreExport {
  return new SqliteStoreExport({ file: path.join(config.dataDir, 'platform.sqlite') });
}

/** The MongoDB store an installation moves into. */
export function createStoreImport({ url }: { url: string }): StoreImport {
  return new MongoStoreImport({ url });
}

export function createSearchIndex({ config }: { config: Config }): SearchIndex {
  if (config.SEARCH === 'embedded') return new EmbeddedSearchIndex({ file: path.join(config.dataDir, 'search.sqlite') });
  if (config.SEARCH === 'elasticsearch' && config.ELASTICSEARCH_URL) {
    return new ElasticsearchSearchIndex({ url: config.ELASTICSEARCH_URL, analyzer: config.ELASTICSEARCH_ANALYZER, indexPrefix: config.ELASTICSEARCH_INDEX_PREFIX });
  }
  throw new DomainError({ type: 'unavailable', code: 'search_unavailable', message: `检索引擎 ${config.SEARCH} 的适配器尚未提供，请使用 SEARCH=embedded` });
}
