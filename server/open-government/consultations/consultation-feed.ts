import express from 'express';
import { renderAtomFeed, type AtomEntry } from '../../feeds/atom-feed.js';
import { notFound } from '../../errors.js';
import type { TaxonomyService } from '../../services/taxonomy.service.js';
import type { ConsultationService } from './consultation.service.js';

const ATOM = 'application/atom+xml; charset=utf-8';
const FEED_SIZE = 50;

/**
 * Atom feeds of drafts out for comment: all of them, or those concerning one tag (or a tag below it).
 * An entry is updated when the adoption report is published, so readers see the outcome too.
 */
export class ConsultationFeed {
  constructor(private readonly deps: { consultations: ConsultationService; taxonomy: TaxonomyService; baseUrl: string; now: () => Date }) {}

  async render({ tagId }: { tagId?: string }): Promise<string> {
    const taxonomy = this.deps.taxonomy.current();
    const tag = tagId ? taxonomy.get(tagId) : null;
    if (tagId && !tag) throw notFound({ code: 'tag_not_found', message: `标签不存在：${tagId}` });
    const listed = (await this.deps.consultations.publicList()).items;
    const entries: AtomEntry[] = [];
    for (const item of listed) {
      if (tagId) {
        const expanded = new Set(Object.values(taxonomy.groupByDimension({ ids: item.tags, expand: true })).flat());
        if (!expanded.has(tagId)) continue;
      }
      const view = await this.deps.consultations.publicView({ id: item.id });
      const published = view.openedAt ?? this.deps.now().toISOString();
      const updated = view.report?.publishedAt ?? published;
      entries.push({
        id: `urn:policy-push:consultation:${view.id}`,
        title: `【${view.statusLabel}】${view.title}`,
        url: `${this.deps.baseUrl}/consultations/${encodeURIComponent(view.id)}`,
        updated,
        published,
        author: '征求意见',
        summary: view.report
          ? `意见采纳情况：收到意见 ${view.report.counts.received} 条，采纳 ${view.report.counts.adopted} 条，部分采纳 ${view.report.counts.partlyAdopted} 条，未采纳 ${view.report.counts.notAdopted} 条`
          : `征求意见期限：${view.startDate} 至 ${view.endDate}。${view.explanation.slice(0, 200)}`,
        categories: view.tags.map((id) => ({ term: id, label: taxonomy.label(id) })),
      });
    }
    entries.sort((a, b) => b.updated.localeCompare(a.updated));
    const shown = entries.slice(0, FEED_SIZE);
    return renderAtomFeed({
      id: tagId ? `urn:policy-push:consultations:tag:${tagId}` : 'urn:policy-push:consultations',
      title: tag ? `征求意见：${tag.label}` : '征求意见',
      subtitle: tag ? `涉及“${tag.label}”的政策草案征求意见及采纳情况` : '政策草案公开征求意见及意见采纳情况反馈',
      selfUrl: tagId ? `${this.deps.baseUrl}/feeds/consultations/tags/${encodeURIComponent(tagId)}.atom` : `${this.deps.baseUrl}/feeds/consultations.atom`,
      alternateUrl: `${this.deps.baseUrl}/consultations`,
      updated: shown[0]?.updated ?? this.deps.now().toISOString(),
      entries: shown,
    });
  }
}

export function consultationFeedRouter({ feed }: { feed: ConsultationFeed }): express.Router {
  const router = express.Router();
  router.get('/feeds/consultations.atom', async (_req, res) => {
    res.type(ATOM).set('Cache-Control', 'public, max-age=300').send(await feed.render({}));
  });
  router.get('/feeds/consultations/tags/:file', async (req, res) => {
    res.type(ATOM).set('Cache-Control', 'public, max-age=300').send(await feed.render({ tagId: req.params.file.replace(/\.atom$/, '') }));
  });
  return router;
}
