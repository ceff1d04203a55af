import express from 'express';
import type { FeedService } from '../../services/feed.service.js';

const ATOM = 'application/atom+xml; charset=utf-8';

/** Atom feeds live outside /api: feed readers expect XML and plain GETs without headers. */
export function feedRouter({ feeds }: { feeds: FeedService }): express.Router {
  const router = express.Router();
  router.get('/feeds/tags/:file', async (req, res) => {
    const tagId = req.params.file.replace(/\.atom$/, '');
    res.type(ATOM).set('Cache-Control', 'public, max-age=300').send(await feeds.tagFeed({ tagId }));
  });
  router.get('/feeds/subscriptions/:file', async (req, res) => {
    const token = req.params.file.replace(/\.atom$/, '');
    // The URL is the secret: keep it out of shared caches and referrers.
    res.type(ATOM).set('Cache-Control', 'private, max-age=300').set('Referrer-Policy', 'no-referrer').send(await feeds.subscriptionFeed({ token }));
  });
  return router;
}
