/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { axeFindings } from '../support/axe';
import { launchChromium, signInPage } from '../support/browser';
import { createTestDatabase } from '../support/database';
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, TestOidcProvider } from '../support/oidc';
import { ServiceProcess, servicePort, startService } from '../support/service-process';
import { api, BENCH_ADMIN, BENCH_STAFF, benchEnv, benchWorld } from '../support/world';

const ARTIFACTS = join(__dirname, '..', 'artifacts', 'sso');

/**
 * Single sign-on in Chromium, against the compiled service and a real OpenID provider on loopback
 * (`oidc-provider`): the browser really goes to the provider and back (cookies, redirections,
 * SameSite as a browser applies them). A newcomer whose SIRET is an accredited association's
 * waits, is confirmed by a colleague on the association's page, and signs in; another newcomer is
 * given a role by an administrator. Each page passes axe, at 360 px.
 */
describe('Single sign-on in the browser', () => {
  let idp: TestOidcProvider;
  let service: ServiceProcess;
  let browser: Browser;
  let siret: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await servicePort();
    const base = `http://127.0.0.1:${port}`;
    idp = await new TestOidcProvider().start(`${base}/connexion/sso/retour`);
    const env = benchEnv(await createTestDatabase('sso_browser'), {
      LOG_LEVEL: 'warn',
      PUBLIC_BASE_URL: base,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID,
      OIDC_CLIENT_SECRET,
      OIDC_USERINFO_SIGNED_ALG: 'RS256',
      OIDC_EMAIL_VERIFIED: 'provider',
    });
    service = await startService(env, { compiled: true, port });
    const world = await benchWorld(service.url, 0);
    siret = (
      await api<{ siret: string }>(
        service.url,
        `/api/associations/${world.associationId}`,
        world.admin,
      )
    ).siret;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await idp?.stop();
  });

  const narrow = () => browser.newContext({ viewport: { width: 360, height: 900 } });

  async function check(page: Page, name: string) {
    expect(await axeFindings(page, name)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-360.png`), fullPage: true });
  }

  /** From the sign-in page, through the provider, back here: the page it ends on. */
  async function throughProvider(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${service.url}/connexion`);
    await page.getByRole('link', { name: 'Se connecter avec ProConnect' }).click();
    await page.waitForURL((url) => url.origin === service.url && url.pathname !== '/connexion/sso');
    await page.waitForLoadState('networkidle');
    return page;
  }

  it('a colleague vouched for by SIRET waits, is confirmed by the association, then signs in', async () => {
    const newcomer = await narrow();
    const login = await newcomer.newPage();
    await login.goto(`${service.url}/connexion`);
    await check(login, 'login-with-sso');

    await idp.signsIn({
      sub: 'proconnect-lea-petit',
      email: 'lea.petit@connectes.test',
      given_name: 'Léa',
      usual_name: 'Petit',
      siret,
    });
    const pending = await throughProvider(newcomer);
    expect(new URL(pending.url()).pathname).toBe('/connexion/sso/retour');
    expect(await pending.getByRole('heading', { level: 1 }).innerText()).toBe(
      'Demande d’accès enregistrée',
    );
    expect(await pending.locator('main').innerText()).toContain('Votre structure est habilitée');
    await check(pending, 'sso-pending');
    // no session was opened: the pages still ask to sign in
    await pending.goto(`${service.url}/structure/encaisser`);
    expect(new URL(pending.url()).pathname).toBe('/connexion');

    const staff = await signInPage(await narrow(), service.url, BENCH_STAFF);
    await staff.goto(`${service.url}/structure/collegues`);
    expect(await staff.getByRole('heading', { level: 2 }).innerText()).toBe('Léa Petit');
    await check(staff, 'association-colleagues');
    await staff.getByRole('button', { name: 'Confirmer : c’est un collègue' }).click();
    await staff.waitForLoadState('networkidle');
    expect(await staff.getByRole('status').first().innerText()).toContain(
      'Votre collègue a maintenant un compte',
    );
    expect(await staff.locator('main').innerText()).toContain('Aucune demande en attente');

    const signedIn = await throughProvider(newcomer);
    expect(new URL(signedIn.url()).pathname).toBe('/structure/encaisser');
    expect(await signedIn.locator('body').innerText()).toContain('lea.petit@connectes.test');
  });

  it('an unknown agent waits until an administrator gives a role; the account shows its sign-in', async () => {
    await idp.signsIn({
      sub: 'proconnect-marc-roux',
      email: 'marc.roux@cd31.test',
      given_name: 'Marc',
      usual_name: 'Roux',
    });
    const agent = await narrow();
    const pending = await throughProvider(agent);
    expect(await pending.locator('main').innerText()).toContain(
      'Un administrateur du département doit vous attribuer un rôle',
    );

    const admin = await signInPage(await narrow(), service.url, BENCH_ADMIN);
    await admin.goto(`${service.url}/admin/demandes-acces`);
    expect(await admin.getByRole('heading', { level: 2 }).innerText()).toBe('Marc Roux');
    await check(admin, 'admin-access-requests');
    await admin.getByLabel('Rôle', { exact: true }).selectOption('AGENT');
    await admin.getByRole('button', { name: 'Créer le compte' }).click();
    await admin.waitForLoadState('networkidle');
    expect(await admin.locator('main').innerText()).toContain('Aucune demande en attente');

    const signedIn = await throughProvider(agent);
    expect(new URL(signedIn.url()).pathname).toBe('/agent');

    await admin.goto(`${service.url}/admin/utilisateurs`);
    const row = admin.getByRole('row').filter({ hasText: 'marc.roux@cd31.test' });
    expect(await row.innerText()).toContain('Se connecte par ProConnect');
    await check(admin, 'admin-users-sso');
  });
});
