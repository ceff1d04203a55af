import type { Criteria, Dimension, DimensionId, Tag } from '../../schemas/taxonomy.schema.js';
import { invalid } from '../errors.js';

/**
 * An immutable in-memory view of the taxonomy with the hierarchy precomputed, rebuilt whenever the
 * taxonomy changes. Reads (validation, expansion, labels) never touch the store.
 */
export class Taxonomy {
  readonly dimensions: readonly Dimension[];
  readonly tags: readonly Tag[];
  private readonly byId = new Map<string, Tag>();
  private readonly childrenById = new Map<string, string[]>();
  private readonly ancestorsById = new Map<string, string[]>();

  constructor({ dimensions, tags }: { dimensions: readonly Dimension[]; tags: readonly Tag[] }) {
    this.dimensions = dimensions;
    this.tags = tags;
    for (const tag of tags) this.byId.set(tag.id, tag);
    for (const tag of tags) {
      if (!tag.parent) continue;
      const siblings = this.childrenById.get(tag.parent) ?? [];
      siblings.push(tag.id);
      this.childrenById.set(tag.parent, siblings);
    }
    for (const tag of tags) this.ancestorsById.set(tag.id, this.walkAncestors(tag.id));
  }

  private walkAncestors(id: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>([id]);
    let parent = this.byId.get(id)?.parent ?? null;
    while (parent && !seen.has(parent)) {
      out.push(parent);
      seen.add(parent);
      parent = this.byId.get(parent)?.parent ?? null;
    }
    return out;
  }

  get(id: string): Tag | undefined {
    return this.byId.get(id);
  }

  dimensionOf(id: string): DimensionId | undefined {
    return this.byId.get(id)?.dimension;
  }

  label(id: string): string {
    return this.byId.get(id)?.label ?? id;
  }

  dimensionLabel(id: DimensionId): string {
    return this.dimensions.find((d) => d.id === id)?.label ?? id;
  }

  /** Labels and synonyms of the tags, the words that make a tagged document findable by them. */
  searchWords(ids: readonly string[]): string[] {
    return ids.flatMap((id) => {
      const tag = this.byId.get(id);
      return tag ? [tag.label, ...tag.synonyms] : [];
    });
  }

  /** The tag itself and every ancestor, nearest first. */
  withAncestors(id: string): string[] {
    return [id, ...(this.ancestorsById.get(id) ?? [])];
  }

  ancestors(id: string): string[] {
    return this.ancestorsById.get(id) ?? [];
  }

  children(id: string): string[] {
    return this.childrenById.get(id) ?? [];
  }

  /** The tag and everything below it. */
  withDescendants(id: string): string[] {
    const out: string[] = [];
    const stack = [id];
    while (stack.length > 0) {
      const next = stack.pop();
      if (next === undefined || out.includes(next)) continue;
      out.push(next);
      stack.push(...this.children(next));
    }
    return out;
  }

  /**
   * Rejects ids that do not exist, are deprecated (naming the tag to use instead) or belong to
   * another dimension than the one they are used in.
   */
  assertUsable({ ids, dimension, field }: { ids: readonly string[]; dimension?: DimensionId; field: string }): void {
    for (const id of ids) {
      const tag = this.byId.get(id);
      if (!tag) {
        throw invalid({ code: 'tag_unknown', message: `未知的标签：${id}`, details: { field, tagId: id } });
      }
      if (tag.deprecated) {
        const hint = tag.mergedInto ? `，请改用“${this.label(tag.mergedInto)}”（${tag.mergedInto}）` : '';
        throw invalid({
          code: 'tag_deprecated',
          message: `标签“${tag.label}”已停用${hint}`,
          details: { field, tagId: id, mergedInto: tag.mergedInto },
        });
      }
      if (dimension && tag.dimension !== dimension) {
        throw invalid({
          code: 'tag_wrong_dimension',
          message: `标签“${tag.label}”属于“${this.dimensionLabel(tag.dimension)}”维度，不能用于“${this.dimensionLabel(dimension)}”`,
          details: { field, tagId: id, expected: dimension, actual: tag.dimension },
        });
      }
    }
  }

  assertCriteria({ criteria, field }: { criteria: Criteria; field: string }): void {
    for (const [dimension, ids] of Object.entries(criteria) as [DimensionId, string[] | undefined][]) {
      this.assertUsable({ ids: ids ?? [], dimension, field: `${field}.${dimension}` });
    }
  }

  /** Groups tag ids by their dimension, optionally adding every ancestor. */
  groupByDimension({ ids, expand }: { ids: readonly string[]; expand: boolean }): Partial<Record<DimensionId, string[]>> {
    const out: Partial<Record<DimensionId, string[]>> = {};
    for (const id of ids) {
      const dimension = this.dimensionOf(id);
      if (!dimension) continue;
      const bucket = out[dimension] ?? [];
      for (const each of expand ? this.withAncestors(id) : [id]) if (!bucket.includes(each)) bucket.push(each);
      out[dimension] = bucket;
    }
    return out;
  }
}
