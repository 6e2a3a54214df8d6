import type { Request } from 'express';

/**
 * What the layout shows around a page rendered outside the page controllers (the error pages):
 * who is signed in and their menu. The web interface provides it at start-up
 * (`providePageChrome`); until then, and for the anonymous, an error page has the signed-out
 * header. Shared infrastructure cannot import the web feature: the feature registers here.
 */
export type PageChrome = (req: Request) => Promise<Record<string, unknown>>;

let chrome: PageChrome = () => Promise.resolve({});

export function providePageChrome(fn: PageChrome): void {
  chrome = fn;
}

/** The chrome of this request's page; never fails (an error page must always render). */
export async function pageChrome(req: Request): Promise<Record<string, unknown>> {
  try {
    return await chrome(req);
  } catch {
    return {};
  }
}
