/**
 * The installation's indices over time: every alias points at exactly one concrete index built by
 * this schema version and analyzer, a rebuild swaps in an empty index in one atomic `_aliases`
 * call, and the watermarks in the meta index say how far each kind of document is synced. A
 * rebuild starts a new watermark generation, so sync passes of another process that straddle it
 * record no progress over the reset.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { DomainError } from '../../errors.js';
import { errorTypeOf, messageOf, statusOf, type ElasticsearchConnection } from './elasticsearch.connection.js';
import {
  INDEX_KINDS,
  PLUGIN_ANALYZERS,
  fingerprintOf,
  indexNames,
  metaIndexBody,
  metaIndexName,
  metaProperties,
  sameFingerprint,
  type AnalyzerChoice,
  type IndexKind,
} from './elasticsearch.mappings.js';

/** Conditional watermark writes tried before giving way to processes writing at the same moment. */
const WATERMARK_WRITE_ATTEMPTS = 5;

export type WatermarkKey = 'search' | 'faq' | 'audience';
const WATERMARK_OF: Record<IndexKind, WatermarkKey> = { policies: 'search', faqs: 'faq', profiles: 'audience', subscriptions: 'audience' };

/** A watermark with its rebuild generation and the document version that conditional writes check. */
interface StoredWatermark {
  seq: number;
  generation: number;
  seqNo: number;
  primaryTerm: number;
}

/** A unique, valid index name: lower case, sortable by creation time. */
function freshIndexName(alias: string): string {
  return `${alias}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export class ElasticsearchIndexLifecycle {
  private readonly connection: ElasticsearchConnection;
  private readonly analyzer: AnalyzerChoice;
  private readonly prefix: string;
  /** Per watermark, the rebuild generation this process's current sync pass belongs to. */
  private readonly generations = new Map<WatermarkKey, number>();

  constructor({ connection, analyzer }: { connection: ElasticsearchConnection; analyzer: AnalyzerChoice }) {
    this.connection = connection;
    this.analyzer = analyzer;
    this.prefix = connection.prefix;
  }

  private call<T>(request: (client: Client) => Promise<T>): Promise<T> {
    return this.connection.call(request);
  }

  private async watermarkDoc(key: WatermarkKey): Promise<StoredWatermark | null> {
    const index = metaIndexName(this.prefix);
    try {
      // A GET is real time: it sees the last write, refreshed or not.
      const response = await this.call((client) => client.get<{ seq: number; generation?: number }>({ index, id: key }));
      if (!response.found || !response._source || response._seq_no === undefined || response._primary_term === undefined) return null;
      return { seq: response._source.seq, generation: response._source.generation ?? 0, seqNo: response._seq_no, primaryTerm: response._primary_term };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /** Reading a watermark starts a sync pass: the pass belongs to the rebuild generation it read. */
  async readWatermark(key: WatermarkKey): Promise<number> {
    const stored = await this.watermarkDoc(key);
    this.generations.set(key, stored?.generation ?? 0);
    return stored?.seq ?? 0;
  }

  /**
   * Records progress unless a rebuild began since this process read the watermark. Without that
   * check, a sync pass in another process that straddles a rebuild would write its old progress
   * over the reset, and the rebuild would skip everything before it. The write is conditional on
   * the document's sequence number, so a concurrent reset cannot slip in between check and write.
   */
  async writeWatermark({ key, seq }: { key: WatermarkKey; seq: number }): Promise<void> {
    const index = metaIndexName(this.prefix);
    for (let attempt = 0; attempt < WATERMARK_WRITE_ATTEMPTS; attempt++) {
      const current = await this.watermarkDoc(key);
      const generation = this.generations.get(key) ?? current?.generation ?? 0;
      if (current && current.generation !== generation) return;
      try {
        await this.call((client) =>
          client.index({
            index,
            id: key,
            document: { seq, generation },
            ...(current ? { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm } : { op_type: 'create' as const }),
          }),
        );
        this.generations.set(key, generation);
        return;
      } catch (error) {
        // Another process wrote in between: look again.
        if (statusOf(error) !== 409) throw error;
      }
    }
    // Other writers kept winning: their writes record progress of their own; this one can go.
  }

  /** Starts a new rebuild generation at watermark 0; passes of the previous one stop recording progress. */
  private async resetWatermark(key: WatermarkKey): Promise<void> {
    const index = metaIndexName(this.prefix);
    for (let attempt = 0; ; attempt++) {
      const current = await this.watermarkDoc(key);
      const generation = (current?.generation ?? 0) + 1;
      try {
        await this.call((client) =>
          client.index({
            index,
            id: key,
            document: { seq: 0, generation },
            ...(current ? { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm } : { op_type: 'create' as const }),
          }),
        );
        this.generations.set(key, generation);
        return;
      } catch (error) {
        if (statusOf(error) !== 409 || attempt + 1 >= WATERMARK_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  async checkAnalyzer(client: Client): Promise<void> {
    if (this.analyzer === 'cjk') return;
    const analyzer = PLUGIN_ANALYZERS[this.analyzer];
    try {
      await client.indices.analyze({ analyzer, text: '知识产权质押融资' });
    } catch (error) {
      throw new DomainError({
        type: 'unavailable',
        code: 'search_analyzer_missing',
        message: `ELASTICSEARCH_ANALYZER=${this.analyzer}，但集群没有 ${analyzer} 分析器（需安装 ${this.analyzer === 'smartcn' ? 'analysis-smartcn' : 'analysis-ik'} 插件），或改用 cjk：${messageOf(error)}`,
      });
    }
  }

  async ensureMetaIndex(client: Client): Promise<void> {
    const index = metaIndexName(this.prefix);
    if (await client.indices.exists({ index })) {
      await client.indices.putMapping({ index, properties: metaProperties() });
      return;
    }
    try {
      await client.indices.create({ index, ...metaIndexBody() });
    } catch (error) {
      // Another process created it first.
      if (errorTypeOf(error) !== 'resource_already_exists_exception') throw error;
    }
  }

  private async aliasTargets(alias: string): Promise<string[]> {
    try {
      return Object.keys(await this.call((client) => client.indices.getAlias({ name: alias })));
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
  }

  private async indexMeta(index: string): Promise<Record<string, unknown> | undefined> {
    const response = await this.call((client) => client.indices.getMapping({ index }));
    return response[index]?.mappings._meta;
  }

  /** Creates a concrete index from its template and checks that the template, not another one, shaped it. */
  private async createIndex({ kind, name }: { kind: IndexKind; name: string }): Promise<boolean> {
    let created = true;
    try {
      await this.call((client) => client.indices.create({ index: name }));
    } catch (error) {
      if (errorTypeOf(error) !== 'resource_already_exists_exception') throw error;
      created = false;
    }
    const fingerprint = fingerprintOf({ kind, analyzer: this.analyzer });
    if (!sameFingerprint(fingerprint, await this.indexMeta(name))) {
      throw new DomainError({
        type: 'unavailable',
        code: 'search_index_template_mismatch',
        message: `索引 ${name} 的映射不是本程序的模板（${JSON.stringify(fingerprint)}）：请检查是否有更高优先级的索引模板匹配 ${indexNames({ prefix: this.prefix, kind }).pattern}`,
      });
    }
    return created;
  }

  /**
   * At start: every alias exists and points at one index built by this schema version and
   * analyzer. A missing alias gets its first index under a fixed name, so processes starting
   * together agree on it; an index of another version is replaced by an empty one and its
   * watermark reset, so the sync rebuilds it. The two audience indices share one watermark and are
   * replaced together.
   */
  async ensureAliases(): Promise<void> {
    const stale: IndexKind[] = [];
    for (const kind of INDEX_KINDS) {
      const { alias } = indexNames({ prefix: this.prefix, kind });
      const targets = await this.aliasTargets(alias);
      if (targets.length > 1) {
        throw new DomainError({ type: 'unavailable', code: 'search_alias_ambiguous', message: `别名 ${alias} 指向多个索引（${targets.join(', ')}），请只保留一个` });
      }
      const current = targets[0];
      if (current === undefined) {
        const fingerprint = fingerprintOf({ kind, analyzer: this.analyzer });
        const initial = `${alias}-v${fingerprint.schema}-${fingerprint.analyzer}-initial`;
        const created = await this.createIndex({ kind, name: initial });
        if (created) await this.resetWatermark(WATERMARK_OF[kind]);
        await this.call((client) => client.indices.updateAliases({ actions: [{ add: { index: initial, alias } }] }));
        continue;
      }
      if (!sameFingerprint(fingerprintOf({ kind, analyzer: this.analyzer }), await this.indexMeta(current))) stale.push(kind);
    }
    if (stale.some((kind) => WATERMARK_OF[kind] === 'audience')) stale.push('profiles', 'subscriptions');
    const groups = new Map<WatermarkKey, IndexKind[]>();
    for (const kind of new Set(stale)) groups.set(WATERMARK_OF[kind], [...(groups.get(WATERMARK_OF[kind]) ?? []), kind]);
    for (const kinds of groups.values()) await this.rebuild(kinds);
  }

  /**
   * Empty replacements for the given kinds (which share one watermark). The watermark is reset
   * before the swap: a crash in between leaves the old data with watermark 0, which the sync
   * simply re-applies, never an empty index with a watermark that claims it is full. When another
   * process swapped the alias meanwhile, its rebuild stands and ours is dropped.
   */
  async rebuild(kinds: IndexKind[]): Promise<void> {
    const key = WATERMARK_OF[kinds[0] ?? 'policies'];
    const plan = await Promise.all(
      kinds.map(async (kind) => {
        const { alias } = indexNames({ prefix: this.prefix, kind });
        return { kind, alias, name: freshIndexName(alias), previous: await this.aliasTargets(alias) };
      }),
    );
    const created: string[] = [];
    try {
      for (const step of plan) {
        // Listed first: an index created but refused by the template check is cleaned up too.
        created.push(step.name);
        await this.createIndex({ kind: step.kind, name: step.name });
      }
      await this.resetWatermark(key);
      const actions: estypes.IndicesUpdateAliasesAction[] = plan.flatMap(({ alias, name, previous }) => [
        { add: { index: name, alias } },
        ...previous.map((index) => ({ remove_index: { index } })),
      ]);
      await this.call((client) => client.indices.updateAliases({ actions }));
    } catch (error) {
      const raced = await Promise.all(plan.map(async ({ alias, previous }) => (await this.aliasTargets(alias).catch(() => previous)).join() !== previous.join()));
      for (const name of created) await this.connection.clientIfOpen()?.indices.delete({ index: name }).catch(() => undefined);
      if (raced.some(Boolean) && statusOf(error) === 404) return;
      throw error;
    }
  }
}
