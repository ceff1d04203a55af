import type { PolicySort, Validity } from '../../../schemas/policy.schema.js';

export type ValidityFilter = Validity | 'all';

/** Everything a search page shows is in its URL, so any result list can be bookmarked and shared. */
export interface SearchState {
  q: string;
  tags: string[];
  validity: ValidityFilter;
  sort: PolicySort | null;
  page: number;
}

export const DEFAULT_VALIDITY: ValidityFilter = 'effective';

export function searchHref(state: Partial<SearchState>): string {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  for (const tag of state.tags ?? []) params.append('tags', tag);
  if (state.validity && state.validity !== DEFAULT_VALIDITY) params.set('validity', state.validity);
  if (state.sort) params.set('sort', state.sort);
  if (state.page && state.page > 1) params.set('page', String(state.page));
  const query = params.toString();
  return query ? `/search?${query}` : '/search';
}

export function toggleTag(state: SearchState, tagId: string): string {
  const tags = state.tags.includes(tagId) ? state.tags.filter((t) => t !== tagId) : [...state.tags, tagId];
  return searchHref({ ...state, tags, page: 1 });
}
