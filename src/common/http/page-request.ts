import type { Request } from 'express';

/** Whether the path belongs to the pages (everything but the API, health and static assets). */
export function isPagePath(req: Request): boolean {
  const path = req.path ?? '';
  return !(path.startsWith('/api') || path.startsWith('/health') || path.startsWith('/assets'));
}

/**
 * Whether to answer with a page: a page path asked for by a browser (which prefers HTML), or a
 * document of the API (PDF, CSV, XML) opened from a page's link — a refusal is then a page in
 * French, not JSON in the browser's window. API clients never send a navigation.
 */
export function wantsPage(req: Request): boolean {
  if (req.accepts(['json', 'html']) !== 'html') return false;
  if (isPagePath(req)) return true;
  return (
    req.method === 'GET' &&
    (req.path ?? '').startsWith('/api/') &&
    req.get('sec-fetch-mode') === 'navigate'
  );
}
