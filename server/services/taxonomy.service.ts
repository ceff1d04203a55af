import type { CreateTagBody, Tag, TaxonomyData, UpdateTagBody } from '../../schemas/taxonomy.schema.js';
import { invalid, invalidState, notFound } from '../errors.js';
import type { Store } from '../ports/store.port.js';
import { Taxonomy } from './taxonomy.js';
import type { Actor } from './actor.js';
import { contentDigest, type AuditService } from './audit.service.js';
import type { AuditAction } from '../../schemas/audit.schema.js';

type TaxonomyListener = (change: { kind: 'created' | 'updated' | 'moved' | 'deprecated' | 'merged'; tagId: string }) => Promise<void>;

export class TaxonomyService {
  private snapshot: Taxonomy = new Taxonomy({ dimensions: [], tags: [] });
  private readonly listeners: TaxonomyListener[] = [];

  constructor(private readonly deps: { store: Store; now: () => Date; audit: AuditService }) {}

  private async audited({ actor, action, tag, details = {} }: { actor: Actor; action: AuditAction; tag: Tag; details?: Record<string, string | number> }): Promise<void> {
    await this.deps.audit.record({ actor, action, targetType: 'tag', targetId: tag.id, digest: contentDigest(tag), details });
  }

  async load(): Promise<Taxonomy> {
    const [dimensions, tags] = await Promise.all([
      this.deps.store.taxonomy.listDimensions(),
      this.deps.store.taxonomy.listTags(),
    ]);
    this.snapshot = new Taxonomy({ dimensions, tags });
    return this.snapshot;
  }

  current(): Taxonomy {
    return this.snapshot;
  }

  /** Search documents embed expanded tags, so moves and merges must reach the index. */
  onChange(listener: TaxonomyListener): void {
    this.listeners.push(listener);
  }

  async seed(data: TaxonomyData): Promise<void> {
    await this.deps.store.taxonomy.seed(data);
    await this.load();
  }

  async createTag({ actor, body }: { actor: Actor; body: CreateTagBody }): Promise<Tag> {
    const taxonomy = this.current();
    if (body.parent) this.assertParent({ taxonomy, parentId: body.parent, dimension: body.dimension });
    const tag: Tag = { ...body, deprecated: false, mergedInto: null, updatedAt: this.deps.now().toISOString() };
    await this.deps.store.taxonomy.insertTag(tag);
    await this.audited({ actor, action: 'taxonomy.tag.create', tag });
    await this.changed({ kind: 'created', tagId: tag.id });
    return tag;
  }

  async updateTag({ actor, tagId, body }: { actor: Actor; tagId: string; body: UpdateTagBody }): Promise<Tag> {
    const taxonomy = this.current();
    const tag = this.requireLiveTag({ taxonomy, tagId });
    const moved = body.parent !== undefined && body.parent !== tag.parent;
    if (moved && body.parent) {
      this.assertParent({ taxonomy, parentId: body.parent, dimension: tag.dimension });
      if (taxonomy.withDescendants(tagId).includes(body.parent)) {
        throw invalid({ code: 'tag_cycle', message: '不能把标签移动到它自己或它的下级标签之下', details: { tagId, parent: body.parent } });
      }
    }
    const updated: Tag = {
      ...tag,
      label: body.label ?? tag.label,
      synonyms: body.synonyms ?? tag.synonyms,
      parent: body.parent === undefined ? tag.parent : body.parent,
      updatedAt: this.deps.now().toISOString(),
    };
    await this.deps.store.taxonomy.updateTag(updated);
    await this.audited({ actor, action: 'taxonomy.tag.update', tag: updated, details: { moved: moved ? 1 : 0 } });
    await this.changed({ kind: moved ? 'moved' : 'updated', tagId });
    return updated;
  }

  async deprecateTag({ actor, tagId }: { actor: Actor; tagId: string }): Promise<Tag> {
    const tag = this.requireLiveTag({ taxonomy: this.current(), tagId });
    const updated: Tag = { ...tag, deprecated: true, updatedAt: this.deps.now().toISOString() };
    await this.deps.store.taxonomy.updateTag(updated);
    await this.audited({ actor, action: 'taxonomy.tag.deprecate', tag: updated });
    await this.changed({ kind: 'deprecated', tagId });
    return updated;
  }

  async mergeTag({ actor, tagId, into }: { actor: Actor; tagId: string; into: string }): Promise<{ tag: Tag; policiesRewritten: number; subscribersRewritten: number; subscriptionsRewritten: number }> {
    const taxonomy = this.current();
    const from = this.requireLiveTag({ taxonomy, tagId });
    const target = this.requireLiveTag({ taxonomy, tagId: into });
    if (from.id === target.id) throw invalid({ code: 'tag_merge_self', message: '不能把标签合并到它自己' });
    if (from.dimension !== target.dimension) {
      throw invalid({ code: 'tag_wrong_dimension', message: '只能合并同一维度内的标签', details: { from: from.dimension, into: target.dimension } });
    }
    if (taxonomy.withDescendants(from.id).includes(target.id)) {
      throw invalid({ code: 'tag_cycle', message: '不能把标签合并到它的下级标签，请先移动下级标签' });
    }
    const rewritten = await this.deps.store.taxonomy.mergeTag({
      fromId: from.id,
      intoId: target.id,
      at: this.deps.now().toISOString(),
    });
    await this.audited({ actor, action: 'taxonomy.tag.merge', tag: from, details: { into: target.id, ...rewritten } });
    await this.changed({ kind: 'merged', tagId });
    const merged = this.current().get(tagId);
    if (!merged) throw notFound({ code: 'tag_not_found', message: `标签不存在：${tagId}` });
    return { tag: merged, ...rewritten };
  }

  private requireLiveTag({ taxonomy, tagId }: { taxonomy: Taxonomy; tagId: string }): Tag {
    const tag = taxonomy.get(tagId);
    if (!tag) throw notFound({ code: 'tag_not_found', message: `标签不存在：${tagId}` });
    if (tag.deprecated) {
      throw invalidState({ code: 'tag_deprecated', message: `标签“${tag.label}”已停用，不能再修改`, details: { mergedInto: tag.mergedInto } });
    }
    return tag;
  }

  private assertParent({ taxonomy, parentId, dimension }: { taxonomy: Taxonomy; parentId: string; dimension: Tag['dimension'] }): void {
    taxonomy.assertUsable({ ids: [parentId], dimension, field: 'parent' });
  }

  private async changed(change: Parameters<TaxonomyListener>[0]): Promise<void> {
    await this.load();
    for (const listener of this.listeners) await listener(change);
  }
}
