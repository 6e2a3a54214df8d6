import type { Request } from 'express';

/** Whether the path belongs to the pages (everything but the API, health and static assets). */
export function isPagePath(req: Request): boolean {
  const path = req.path ?? '';
  return !(path.startsWith('/api') || path.startsWith('/health') || path.startsWith('/assets'));
}

/** Whether to answer with a page: a page path asked for by a browser (which prefers HTML). */
export function wantsPage(req: Request): boolean {
  return isPagePath(req) && req.accepts(['json', 'html']) === 'html';
}
