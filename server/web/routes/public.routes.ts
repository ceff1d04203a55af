import express from 'express';
import { policySortSchema, validitySchema, type PolicySearchQuery } from '../../../schemas/policy.schema.js';
import { DomainError } from '../../errors.js';
import { shanghaiToday } from '../../services/validity.js';
import { webContext } from '../context.js';
import { POLICY_SLOTS, type PolicySlot } from '../extensions.js';
import { queryStr, queryStrs } from '../forms.js';
import type { SafeHtml } from '../html.js';
import type { PortalKit, PortalServices } from '../kit.js';
import { homePage } from '../views/home.view.js';
import { policyPage, type LinkedPolicy } from '../views/policy.view.js';
import { DEFAULT_VALIDITY, type SearchState, type ValidityFilter } from '../views/search-url.js';
import { searchPage } from '../views/search.view.js';

const PAGE_SIZE = 10;
const MAX_PAGE = 100;

/** The services these pages call. */
export type PublicPageServices = Pick<PortalServices, 'search' | 'taxonomy' | 'policies'>;

export function publicRoutes({ kit }: { kit: PortalKit<PublicPageServices> }): express.Router {
  const router = express.Router();
  const { services } = kit;

  router.get('/', async (_req, res) => {
    const latest = await services.search.search({ page: 1, pageSize: 6, validity: ['effective'], sort: 'issued_desc', facets: true });
    kit.render(res, homePage({ ctx: webContext(res), latest, taxonomy: services.taxonomy.current(), faqSearchPath: kit.extensions.faqSearchPath ?? null }));
  });

  router.get('/search', async (req, res) => {
    const taxonomy = services.taxonomy.current();
    const requestedTags = queryStrs(req, 'tags').slice(0, 30);
    // A tag that no longer exists in an old bookmark should narrow nothing, not break the page.
    const tags = requestedTags.filter((id) => taxonomy.get(id));
    const validityParam = queryStr(req, 'validity');
    const validity: ValidityFilter = validityParam === 'all' ? 'all' : (validitySchema.safeParse(validityParam).data ?? DEFAULT_VALIDITY);
    const sort = policySortSchema.safeParse(queryStr(req, 'sort')).data ?? null;
    const page = Math.min(MAX_PAGE, Math.max(1, Number.parseInt(queryStr(req, 'page'), 10) || 1));
    const state: SearchState = { q: queryStr(req, 'q').slice(0, 200), tags, validity, sort, page };
    const query: PolicySearchQuery = {
      page,
      pageSize: PAGE_SIZE,
      facets: true,
      tags,
      ...(state.q ? { q: state.q } : {}),
      ...(validity === 'all' ? {} : { validity: [validity] }),
      ...(sort ? { sort } : {}),
    };
    const result = await services.search.search(query);
    kit.render(
      res,
      searchPage({ ctx: webContext(res), state, result, taxonomy, pageSize: PAGE_SIZE, ignoredTags: requestedTags.filter((t) => !tags.includes(t)) }),
    );
  });

  router.get('/policies/:id', async (req, res) => {
    const id = String(req.params.id);
    const versionParam = queryStr(req, 'version');
    const version = versionParam ? Number.parseInt(versionParam, 10) : undefined;
    if (!/^[a-z0-9][a-z0-9-]{1,63}$/.test(id) || (version !== undefined && (!Number.isInteger(version) || version < 1))) {
      throw new DomainError({ type: 'not_found', code: 'policy_not_found', message: '未找到该政策文件' });
    }
    const { policy, found } = await services.policies.getPublicPage({ id, ...(version === undefined ? {} : { version }) });
    const ctx = webContext(res);
    // A successor that is not public yet is simply not linked.
    const linked = async (otherId: string | null): Promise<LinkedPolicy | null> => (otherId ? services.policies.getPublicLink({ id: otherId }) : null);
    const slots: { slot: PolicySlot; body: SafeHtml }[] = [];
    for (const slot of POLICY_SLOTS) {
      const renderer = kit.extensions.policySlots?.[slot];
      const body = renderer ? await renderer({ policy, found, ctx }) : null;
      if (body) slots.push({ slot, body });
    }
    kit.render(
      res,
      policyPage({
        ctx,
        policy,
        taxonomy: services.taxonomy.current(),
        successor: await linked(policy.successorId),
        predecessor: await linked(policy.predecessorId),
        slots,
        today: shanghaiToday(new Date()),
        viewingOldVersion: version !== undefined && version !== policy.versions.at(-1)?.version,
      }),
    );
  });

  return router;
}
