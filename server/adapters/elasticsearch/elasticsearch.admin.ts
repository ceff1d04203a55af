/**
 * Removes an installation from a cluster: every index named by its prefix (the aliases go with
 * them) and its templates. For throwaway installations (the contract suite makes one per run)
 * and for decommissioning; the indices are derived data, the store keeps the truth.
 */
import { Client, errors } from '@elastic/elasticsearch';
import { INDEX_KINDS, indexNames, metaIndexName } from './elasticsearch.mappings.js';

export async function deleteElasticsearchInstallation({ url, indexPrefix }: { url: string; indexPrefix: string }): Promise<{ indices: string[] }> {
  const client = new Client({ node: url, requestTimeout: 60_000 });
  try {
    const patterns = [...INDEX_KINDS.map((kind) => indexNames({ prefix: indexPrefix, kind }).pattern), metaIndexName(indexPrefix)];
    const found = await client.indices.get({ index: patterns, ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'all' });
    // By name: clusters refuse wildcard deletes by default (action.destructive_requires_name).
    const indices = Object.keys(found);
    if (indices.length > 0) await client.indices.delete({ index: indices });
    for (const kind of INDEX_KINDS) {
      await client.indices.deleteIndexTemplate({ name: indexNames({ prefix: indexPrefix, kind }).template }).catch((error: unknown) => {
        if (!(error instanceof errors.ResponseError && error.statusCode === 404)) throw error;
      });
    }
    return { indices };
  } finally {
    await client.close();
  }
}
