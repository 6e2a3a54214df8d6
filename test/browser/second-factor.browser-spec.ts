/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { axeFindings } from '../support/axe';
import { launchChromium, signInPage } from '../support/browser';
import { createTestDatabase } from '../support/database';
import { PHONE, signInAt, totpAt } from '../support/second-factor';
import { ServiceProcess, startService } from '../support/service-process';
import { api, benchEnv, createAdminOnServer } from '../support/world';

const ARTIFACTS = join(__dirname, '..', 'artifacts', 'second-factor');
const ADMIN = { email: 'premiere.admin@cd31.test', password: 'la digue au petit matin' };
const AGENT = { email: 'agent.volontaire@cd31.test', password: 'un héron sur le canal' };

/** Six digits that are no code of `secret` around now. */
function wrongCode(secret: string): string {
  const now = Math.floor(Date.now() / 30_000);
  const near = [now - 1, now, now + 1, now + 2].map((s) => totpAt(secret, s));
  return ['000000', '111111', '222222', '333333', '444444'].find((c) => !near.includes(c))!;
}

/** The field labelled `label`: invalid, and the reason it points to. */
async function reasonBeside(page: Page, label: RegExp): Promise<string> {
  const field = page.getByLabel(label);
  expect(await field.getAttribute('aria-invalid')).toBe('true');
  return page.locator(`#${await field.getAttribute('aria-describedby')}`).innerText();
}

/**
 * The second factor as people meet it, in Chromium against the compiled service: an
 * administrator's first sign-in sets an app up (QR code, the key to type, a wrong code refused
 * beside its field), the recovery codes shown once, then a code at each sign-in; an agent adds
 * one from « Mon compte »; an administrator resets it. Each page passes axe, at 360 and 1280 px;
 * the QR code is read back with zbarimg (Debian's zbar-tools, installed by .ci/run).
 */
describe('Second factor in the browser', () => {
  let service: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const env = benchEnv(await createTestDatabase('second_factor'), { LOG_LEVEL: 'warn' });
    service = await startService(env, { compiled: true });
    createAdminOnServer(env, ADMIN);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('an administrator sets the app up at the first sign-in, then types a code each time', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 900 } });
    const page = await phone.newPage();
    await page.goto(`${service.url}/connexion`);
    await page.getByLabel('Adresse e-mail').fill(ADMIN.email);
    await page.getByLabel('Mot de passe').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForLoadState('networkidle');
    expect(new URL(page.url()).pathname).toBe('/connexion/second-facteur');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(
      'Configurer la double authentification',
    );
    const qr = page.getByRole('img', { name: /QR code à scanner/ });
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    const secret = (await page.locator('#secret').innerText()).replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // the QR code, as a phone's camera reads it (zbarimg on its picture): the key shown beside it
    const picture = join(ARTIFACTS, 'enrol-qr.png');
    await qr.screenshot({ path: picture });
    const scanned = new URL(execFileSync('zbarimg', ['-q', '--raw', picture]).toString().trim());
    expect(scanned.searchParams.get('secret')).toBe(secret);
    expect(decodeURIComponent(scanned.pathname)).toBe(`/Pass numérique:${ADMIN.email}`);
    expect(await axeFindings(page, 'enrol')).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'enrol-360.png'), fullPage: true });

    await page.getByLabel(/Code à 6 chiffres/).fill(wrongCode(secret));
    await page.getByRole('button', { name: 'Activer et me connecter' }).click();
    await page.waitForLoadState('networkidle');
    expect(await reasonBeside(page, /Code à 6 chiffres/)).toContain('Ce code ne convient pas');
    // the same app still: the QR code and key shown again
    expect((await page.locator('#secret').innerText()).replace(/\s+/g, '')).toBe(secret);
    expect(await axeFindings(page, 'enrol-refused')).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'enrol-refused-360.png'), fullPage: true });

    PHONE.add(service.url, ADMIN.email, secret);
    await page.getByLabel(/Code à 6 chiffres/).fill(await PHONE.code(service.url, ADMIN.email));
    await page.getByRole('button', { name: 'Activer et me connecter' }).click();
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Vos codes de secours');
    const codes = await page.locator('ul.recovery-codes code').allInnerTexts();
    expect(codes).toHaveLength(10);
    expect(await axeFindings(page, 'recovery-codes')).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'recovery-codes-360.png'), fullPage: true });
    await page.getByRole('link', { name: /continuer/ }).click();
    await page.waitForLoadState('networkidle');
    expect(new URL(page.url()).pathname).toBe('/agent');
    // the codes page is not kept (no-store): going back cannot show it again
    const back = await page.goBack().then(
      () => 'shown',
      (err: Error) => err.message,
    );
    expect(back).toContain('ERR_CACHE_MISS');

    // (that tab is left on the browser's error page: on with another)
    const mine = await phone.newPage();
    await mine.goto(`${service.url}/agent`);
    await mine.getByRole('link', { name: 'Mon compte' }).click();
    await mine.waitForLoadState('networkidle');
    expect(await mine.getByText('Activée.').count()).toBe(1);
    expect(await axeFindings(mine, 'account')).toEqual([]);
    await mine.screenshot({ path: join(ARTIFACTS, 'account-admin-360.png'), fullPage: true });

    // the next sign-in, on a desktop: a code
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const again = await desk.newPage();
    await again.goto(`${service.url}/connexion`);
    await again.getByLabel('Adresse e-mail').fill(ADMIN.email);
    await again.getByLabel('Mot de passe').fill(ADMIN.password);
    await again.getByRole('button', { name: 'Se connecter' }).click();
    await again.waitForLoadState('networkidle');
    expect(await again.getByRole('heading', { level: 1 }).innerText()).toBe(
      'Double authentification',
    );
    expect(await again.locator('#secret').count()).toBe(0);
    expect(await axeFindings(again, 'verify')).toEqual([]);
    await again.screenshot({ path: join(ARTIFACTS, 'verify-desktop.png'), fullPage: true });
    await again.getByLabel(/Code à 6 chiffres/).fill(codes[0].toLowerCase());
    await again.getByRole('button', { name: 'Valider' }).click();
    await again.waitForLoadState('networkidle');
    expect(new URL(again.url()).pathname).toBe('/compte/securite');
    expect(await again.getByRole('status').first().innerText()).toContain('code de secours');
    expect(await again.getByText('9', { exact: true }).count()).toBe(1);
    expect(await axeFindings(again, 'account-after-recovery')).toEqual([]);
    await again.screenshot({ path: join(ARTIFACTS, 'account-desktop.png'), fullPage: true });
  });

  it('an agent adds an app from « Mon compte »; an administrator resets it', async () => {
    const admin = await signInPage(
      await browser.newContext({ viewport: { width: 1280, height: 900 } }),
      service.url,
      ADMIN,
    );
    const accessToken = await signInAt(service.url, ADMIN);
    const agent = await api<{ id: string }>(service.url, '/api/users', accessToken, {
      ...AGENT,
      role: 'AGENT',
      displayName: 'Agent Volontaire',
    });

    const page = await signInPage(
      await browser.newContext({ viewport: { width: 360, height: 900 } }),
      service.url,
      AGENT,
    );
    await page.getByRole('link', { name: 'Mon compte' }).click();
    await page.waitForLoadState('networkidle');
    expect(await page.getByText('Non activée.').count()).toBe(1);
    await page.getByRole('button', { name: 'Activer la double authentification' }).click();
    await page.waitForLoadState('networkidle');
    expect(new URL(page.url()).pathname).toBe('/compte/securite/configurer');
    expect(await axeFindings(page, 'setup')).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'setup-360.png'), fullPage: true });
    const secret = (await page.locator('#secret').innerText()).replace(/\s+/g, '');
    PHONE.add(service.url, AGENT.email, secret);
    await page.getByLabel(/Code à 6 chiffres/).fill(await PHONE.code(service.url, AGENT.email));
    await page.getByRole('button', { name: /Activer/ }).click();
    await page.waitForLoadState('networkidle');
    expect(await page.locator('ul.recovery-codes code').count()).toBe(10);
    expect(await axeFindings(page, 'setup-codes')).toEqual([]);

    // the administrator resets it (a phone lost): the agent's session ends
    await admin.goto(`${service.url}/admin/utilisateurs/${agent.id}`);
    await admin.waitForLoadState('networkidle');
    expect(await axeFindings(admin, 'admin-user')).toEqual([]);
    await admin.screenshot({ path: join(ARTIFACTS, 'admin-user-desktop.png'), fullPage: true });
    await admin.getByLabel(/Je confirme : l’application actuelle ne servira plus/).check();
    await admin.getByRole('button', { name: /Réinitialiser la double authentification/ }).click();
    await admin.waitForLoadState('networkidle');
    expect(await admin.getByRole('status').first().innerText()).toMatch(/double authentification/);
    await admin.screenshot({
      path: join(ARTIFACTS, 'admin-user-reset-desktop.png'),
      fullPage: true,
    });
    await page.goto(`${service.url}/agent`);
    expect(new URL(page.url()).pathname).toBe('/connexion');
  });
});
