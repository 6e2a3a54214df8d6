/// <reference lib="dom" />
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { parisToday } from '../../src/common/dates';
import { AxeFinding, axeFindings } from '../support/axe';
import { launchChromium, signInPage } from '../support/browser';
import { signInAt } from '../support/second-factor';
import { createTestDatabase } from '../support/database';
import {
  createAssociation,
  createProgramme,
  createSite,
  handOver,
  issueBooklet,
  printRun,
  Target,
} from '../support/factories';
import { ServiceProcess, startService } from '../support/service-process';
import { api, BENCH_ADMIN, benchEnv, createAdminOnServer } from '../support/world';

const ARTIFACTS = join(__dirname, '..', 'artifacts', 'pages');
const ADMIN2 = { email: 'admin2@test.local', password: 'second-admin-password' };
const PASSWORD = 'a-long-enough-password';
/** Stored in every free-text field: markup, an attribute break-out and a template expression. */
const PROBE = '</script><img src=x id=pnprobe1>"><svg id=pnprobe2>{{7*7}}';
const MAX_PAGES_PER_ROLE = 80;

interface Visit {
  role: string;
  path: string;
  status: number;
  cacheControl: string | undefined;
  injected: string[];
}

/**
 * Every page each role can reach, found by following the links of the pages themselves (not a
 * list kept by hand), on a world whose free-text fields all hold a markup probe. On each page, at
 * 1280 and at 360 px: the axe-core audit with WCAG 2.1 A and AA rules (RGAA 4.1's reference), the
 * probe never turned into markup or evaluated, no copy kept by the browser (Cache-Control),
 * nothing wider than the screen on a phone. Screenshots in test/artifacts/pages/.
 */
describe('Every page of every role: accessibility audit, no injected markup', () => {
  let service: ServiceProcess;
  let browser: Browser;
  const accounts: Record<string, { email: string; password: string }> = {};
  const visits: Visit[] = [];
  const findings: AxeFinding[] = [];
  const overflow: string[] = [];
  const scriptErrors: string[] = [];
  let spareCode = '';

  beforeAll(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    const env = benchEnv(await createTestDatabase('pages'), {
      PUBLIC_BASE_URL: 'http://pass.test',
      LOG_LEVEL: 'warn',
      LOOKUP_FAILURE_LIMIT: '1000',
      LOGIN_RATE_LIMIT_PER_IP: '1000',
      LOGIN_RATE_LIMIT_PER_EMAIL: '1000',
    });
    service = await startService(env, { compiled: true });
    createAdminOnServer(env, ADMIN2);
    const admin = await signInAt(service.url, BENCH_ADMIN);
    const admin2 = await signInAt(service.url, ADMIN2);
    const t: Target = { http: service.url, adminToken: () => Promise.resolve(admin) };
    const year = new Date().getFullYear();
    const activity = `Atelier ${PROBE}`;

    const programme = await createProgramme(t, {
      name: `Dispositif ${PROBE}`,
      validFrom: `${year - 1}-01-01`,
      activities: ['Smartphone', activity],
      allowBeneficiaryNames: true,
    });
    const association = await createAssociation(t, {
      name: `Asso ${PROBE}`,
      address: `1 rue ${PROBE}`,
      city: `Ville ${PROBE}`,
      activities: ['Smartphone', activity],
    });
    const site = await createSite(t, { name: `Lieu ${PROBE}`, address: `2 rue ${PROBE}` });
    const other = await createSite(t, { name: `Autre lieu ${PROBE}` });

    accounts.admin = BENCH_ADMIN;
    for (const [role, extra] of [
      ['AGENT', {}],
      ['PRESCRIBER', { siteIds: [site.id] }],
      ['ASSOCIATION', { associationId: association.id }],
    ] as const) {
      const account = { email: `${role.toLowerCase()}@test.local`, password: PASSWORD };
      await api(service.url, '/api/users', admin, {
        ...account,
        role,
        displayName: `${role} ${PROBE}`,
        jobTitle: PROBE,
        ...extra,
      });
      accounts[role.toLowerCase()] = account;
    }
    const staff = await signInAt(service.url, accounts.association);

    // Stock: a print run at the site, one booklet handed over with names, one sent elsewhere,
    // one reported lost; a booklet issued directly, cancelled and replaced.
    const run = await printRun(t, programme.id, 4, site.id);
    const stock = await api<{ items: { id: string; number: string }[] }>(
      service.url,
      `/api/booklets?batchId=${run.id}&pageSize=10`,
      admin,
    );
    const numbers = stock.items.map((b) => b.number).sort();
    const handed = stock.items.find((b) => b.number === numbers[0])!;
    const booklet = await handOver(t, handed.id, {
      postalCode: '31100',
      firstName: `Prénom ${PROBE}`,
      lastName: `Nom ${PROBE}`,
    });
    await api(service.url, '/api/stock/transfers', admin, {
      fromSiteId: site.id,
      toSiteId: other.id,
      ranges: [{ first: numbers[1] }],
    });
    await api(service.url, '/api/stock/losses', admin, {
      siteId: site.id,
      range: { first: numbers[2] },
      reason: 'STOLEN',
      comment: `Vol ${PROBE}`,
    });
    const direct = await issueBooklet(t, programme.id, { postalCode: '31100', firstName: PROBE });
    await api(service.url, `/api/booklets/${direct.id}/cancel`, admin, {
      reason: 'OTHER',
      comment: `Annulé ${PROBE}`,
      replace: true,
    });

    // Money: three cheques redeemed (one cancelled), claimed, issued as a statement.
    const redeem = (code: string) =>
      fetch(`${service.url}/api/redemptions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${staff}`,
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({ codes: [code], activity, sessionDate: parisToday(), note: PROBE }),
      }).then(async (r) => {
        if (r.status !== 201) throw new Error(`redeem: ${r.status} ${await r.text()}`);
        return (await r.json()) as { id: string };
      });
    const codes = booklet.cheques.map((c) => c.code);
    spareCode = codes[9];
    const first = await redeem(codes[0]);
    await redeem(codes[1]);
    await redeem(codes[2]);
    await api(service.url, `/api/redemptions/${first.id}/cancel`, staff, {
      reason: `Erreur ${PROBE}`,
    });
    const claim = await api<{ id: string }>(service.url, '/api/claims', staff, {
      upTo: parisToday(),
    });
    await api(service.url, `/api/claims/${claim.id}/submit`, staff, {});
    const statement = await api<{ id: string }>(
      service.url,
      `/api/claims/${claim.id}/issue`,
      admin,
      {},
    );
    await api(service.url, `/api/statements/${statement.id}/approve`, admin2, {});

    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  async function context(): Promise<BrowserContext> {
    const ctx = await browser.newContext({
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
      viewport: { width: 1280, height: 900 },
    });
    ctx.on('weberror', (e) => scriptErrors.push(String(e.error())));
    return ctx;
  }

  const signIn = (context: BrowserContext, who: { email: string; password: string }) =>
    signInPage(context, service.url, who);

  /** What of the probe became markup or was evaluated on this page. */
  async function injected(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const found: string[] = [];
      if (document.getElementById('pnprobe1')) found.push('<img> from a stored value');
      if (document.getElementById('pnprobe2')) found.push('<svg> from a stored value');
      // shown as text, the probe reads "…id=pnprobe2>{{7*7}}"; evaluated, it would read "…>49"
      if (document.body.innerText.includes('id=pnprobe2>49')) found.push('{{7*7}} evaluated');
      return found;
    });
  }

  /** Same-origin page links of the current page: pages only, not documents or sign-out. */
  async function links(page: Page): Promise<string[]> {
    const hrefs = await page.$$eval('a[href]', (as) =>
      as.map((a) => (a as HTMLAnchorElement).href),
    );
    const origin = new URL(service.url).origin;
    return hrefs
      .map((h) => new URL(h))
      .filter(
        (u) =>
          u.origin === origin &&
          !u.pathname.startsWith('/api/') &&
          !u.pathname.startsWith('/assets/') &&
          !/\.(pdf|csv|xml|zip|json)$/i.test(u.pathname) &&
          u.pathname !== '/deconnexion',
      )
      .map((u) => u.pathname + u.search);
  }

  async function audit(page: Page, role: string, path: string) {
    // one screenshot per kind of page: ids are left out of the name
    const name = `${role}${path
      .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'id')
      .replace(/[^a-z0-9]+/gi, '-')}`.replace(/-+$/, '');
    findings.push(...(await axeFindings(page, `${role} ${path}`)));
    await page.screenshot({ path: join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });
    findings.push(...(await axeFindings(page, `${role} ${path}`)));
    const wide = await page.evaluate(() => {
      const width = document.documentElement.scrollWidth;
      if (width <= 360) return null;
      // what sticks out, to say what to fix: innermost elements, then text
      const out = [...document.querySelectorAll('body *')]
        .filter(
          (e) =>
            e.getBoundingClientRect().right > 361 &&
            ![...e.children].some((c) => c.getBoundingClientRect().right > 361),
        )
        .map(
          (e) =>
            `${e.tagName.toLowerCase()}.${e.className} «${(e.textContent ?? '').slice(0, 40)}»`,
        );
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let n = walker.nextNode(); n && out.length < 3; n = walker.nextNode()) {
        range.selectNodeContents(n);
        if (range.getBoundingClientRect().right > 361)
          out.push(
            `text in ${n.parentElement?.tagName.toLowerCase()} «${(n.textContent ?? '').slice(0, 40)}»`,
          );
      }
      return `${width} px: ${out.slice(0, 3).join(', ')}`;
    });
    if (wide) {
      overflow.push(`${role} ${path}: ${wide}`);
      writeFileSync(join(ARTIFACTS, `${name}-360.html`), await page.content());
    }
    await page.screenshot({ path: join(ARTIFACTS, `${name}-360.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  /** Visits every page reachable from `start` by links, breadth first. */
  async function crawl(role: string, page: Page, start: string[]) {
    const queue = [...start];
    const seen = new Set(queue);
    while (queue.length > 0 && visits.filter((v) => v.role === role).length < MAX_PAGES_PER_ROLE) {
      const path = queue.shift()!;
      const res = await page.goto(service.url + path);
      await page.waitForLoadState('networkidle');
      visits.push({
        role,
        path,
        status: res?.status() ?? 0,
        cacheControl: res?.headers()['cache-control'],
        injected: await injected(page),
      });
      await audit(page, role, path);
      for (const next of await links(page))
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
    }
  }

  it('crawls every role’s pages', async () => {
    const anonymous = await (await context()).newPage();
    await crawl('public', anonymous, ['/', '/structures', '/connexion', '/c/ABCD-EFGH-JKMN']);
    for (const role of ['admin', 'agent', 'prescriber', 'association']) {
      const ctx = await context();
      const page = await signIn(ctx, accounts[role]);
      await crawl(role, page, [new URL(page.url()).pathname]);
      await ctx.close();
    }
    const byRole = Object.fromEntries(
      ['public', 'admin', 'agent', 'prescriber', 'association'].map((r) => [
        r,
        visits.filter((v) => v.role === r).length,
      ]),
    );
    console.log(`pages visited: ${JSON.stringify(byRole)}`);
    expect(byRole.admin).toBeGreaterThan(10);
    expect(byRole.association).toBeGreaterThan(4);
    expect(byRole.prescriber).toBeGreaterThan(2);
  });

  it('no page turns a stored value into markup', () => {
    expect(visits.filter((v) => v.injected.length > 0)).toEqual([]);
  });

  it('no page answers an error or lets the browser keep a copy', () => {
    expect(visits.filter((v) => v.status >= 400 && !v.path.startsWith('/c/'))).toEqual([]);
    expect(visits.filter((v) => v.cacheControl !== 'no-store')).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  it('no page is wider than a 360 px phone', () => {
    expect(overflow).toEqual([]);
  });

  it('axe-core finds no WCAG 2.1 A or AA violation on any page, at 1280 or 360 px', () => {
    const summary = new Map<string, number>();
    for (const f of findings) summary.set(f.rule, (summary.get(f.rule) ?? 0) + 1);
    console.log(`axe: ${findings.length} findings ${JSON.stringify(Object.fromEntries(summary))}`);
    expect(findings).toEqual([]);
  });

  /** WCAG relative luminance contrast of two CSS rgb() colours. */
  function contrast(a: string, b: string): number {
    const lum = (c: string) => {
      const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
        const x = Number(v) / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  /**
   * Presses Tab until the element matching `selector` has the focus (at most 40 times); on the
   * way, every focused element must show a focus ring of 2 px or more with a contrast of 3:1
   * against the page's background (WCAG 2.4.7 and 1.4.11).
   */
  async function tabTo(page: Page, selector: string, rings: string[]) {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate((sel) => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        return {
          what: `${el.tagName.toLowerCase()}#${el.id} «${(el.textContent ?? '').trim().slice(0, 30)}»`,
          matches: el.matches(sel),
          outline: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth),
          // Chromium's own calendar button inside a date field: the field is the active element
          // but not :focus; its ring is styled through ::-webkit-calendar-picker-indicator
          inner: !el.matches(':focus'),
          color: style.outlineColor,
          // the page's background: the first painted one of body and html, white otherwise
          background:
            [document.body, document.documentElement]
              .map((e) => getComputedStyle(e).backgroundColor)
              .find((c) => c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') ?? 'rgb(255, 255, 255)',
        };
      }, selector);
      if (!focus || focus.inner) continue;
      const ratio = contrast(focus.color, focus.background);
      if (focus.outline < 2 || ratio < 3)
        rings.push(`${focus.what}: ${focus.outline} px, ${ratio.toFixed(1)}:1`);
      if (focus.matches) return;
    }
    throw new Error(`${selector} never got the focus by Tab`);
  }

  it('the redemption and a booklet issue are done with the keyboard alone, with a visible focus', async () => {
    const rings: string[] = [];
    const ctx = await context();
    const page = await ctx.newPage();
    // signing in, too, by the keyboard
    await page.goto(`${service.url}/connexion`);
    await tabTo(page, '#email', rings);
    await page.keyboard.type(accounts.association.email);
    await tabTo(page, '#password', rings);
    await page.keyboard.type(accounts.association.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/structure\/encaisser/);
    await page.waitForLoadState('networkidle');
    await tabTo(page, '#code', rings);
    // a code too short first: refused in words; then the right one
    await page.keyboard.type('AAAA');
    await page.keyboard.press('Enter');
    await page.locator('#code-message.notice.error').waitFor();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(spareCode);
    await page.keyboard.press('Enter');
    await page.locator('#basket li').first().waitFor();
    await tabTo(page, '#workshopPrice', rings);
    await page.keyboard.type('30,00');
    await tabTo(page, '#redeem-button', rings);
    await page.keyboard.press('Enter');
    await page.locator('#redeem-result', { hasText: 'encaissé' }).waitFor();
    expect(await page.locator('#redeem-result').innerText()).toMatch(
      /^1 chèque encaissé pour 10,00/,
    );
    // ready for the next workshop: no message left from before, no price of the last one
    expect(await page.locator('#code-message').innerText()).toBe('');
    expect(await page.locator('#workshopPrice').inputValue()).toBe('');
    await ctx.close();

    const agent = await signIn(await context(), accounts.agent);
    await agent.goto(`${service.url}/agent/carnets/nouveau`);
    await tabTo(agent, '#postalCode', rings);
    await agent.keyboard.type('31100');
    await tabTo(agent, 'form.stack button[type=submit]', rings);
    const download = agent.waitForEvent('download');
    await agent.keyboard.press('Enter');
    expect((await download).suggestedFilename()).toMatch(/\.pdf$/);
    await agent.locator('.notice.ok', { hasText: 'Carnet créé.' }).waitFor();
    expect(rings).toEqual([]);
  });
});
