import { startTestPlatform } from './support/test-platform.js';
const t = await startTestPlatform({ demo: true });
const q = `/api/v1/policies?q=${encodeURIComponent('专利')}&facets=true`;
const a = await fetch(t.url + q); const etag = a.headers.get('etag'); console.log(a.status, etag, [...a.headers.keys()].join(','));
const b = await fetch(t.url + q, { headers: { 'if-none-match': etag ?? '' } }); console.log(b.status);
const c = await fetch(t.url + '/api/v1/policies/demo-pudong-pledge-2026'); const e2 = c.headers.get('etag'); console.log(c.status, e2);
const d = await fetch(t.url + '/api/v1/policies/demo-pudong-pledge-2026', { headers: { 'if-none-match': e2 ?? '' } }); console.log(d.status);
await t.close();
