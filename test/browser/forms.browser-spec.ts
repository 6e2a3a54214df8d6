/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { axeFindings } from '../support/axe';
import { launchChromium, signInPage } from '../support/browser';
import { createTestDatabase } from '../support/database';
import { ServiceProcess, startService } from '../support/service-process';
import { BENCH_ADMIN, benchEnv, benchWorld } from '../support/world';

const ARTIFACTS = join(__dirname, '..', 'artifacts', 'forms');

/**
 * Refused forms as a person meets them: typed in Chromium, sent, and shown again with the French
 * reason under each field at fault, the summary announced, what was typed still there; audited by
 * axe-core in that state (the crawler only sees pages as they are first shown).
 */
describe('Refused forms in the browser', () => {
  let service: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const env = benchEnv(await createTestDatabase('forms'), { LOG_LEVEL: 'warn' });
    service = await startService(env, { compiled: true });
    await benchWorld(service.url, 0);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('shows each reason beside its field, keeps what was typed, and passes axe at 1280 and 360 px', async () => {
    for (const width of [1280, 360]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await signInPage(context, service.url, BENCH_ADMIN);

      await page.goto(`${service.url}/admin/structures`);
      await page.getByLabel('Nom', { exact: true }).fill('Les Connectés du Mirail');
      await page.getByLabel(/^SIRET/).fill('12345678901234');
      await page.getByLabel('Adresse', { exact: true }).fill('12 allée de Bellefontaine');
      await page.getByLabel('Code postal').fill('31100');
      await page.getByLabel('Commune').fill('Toulouse');
      await page.getByLabel('E-mail').fill('contact@connectes.example');
      await page.getByLabel('IBAN').fill('FR76 0000');
      await page.getByRole('button', { name: 'Enregistrer la structure' }).click();
      await page.waitForLoadState('networkidle');
      const siret = page.getByLabel(/^SIRET/);
      expect(await siret.getAttribute('aria-invalid')).toBe('true');
      const described = await siret.getAttribute('aria-describedby');
      expect(await page.locator(`#${described}`).innerText()).toContain(
        'doit compter 14 chiffres et être un numéro SIRET valide',
      );
      expect(await page.getByLabel('IBAN').inputValue()).toBe('FR76 0000');
      expect(await page.getByRole('alert').innerText()).toContain(
        'Le formulaire contient des erreurs',
      );
      expect(await axeFindings(page, `structure-refused-${width}`)).toEqual([]);
      await page.screenshot({
        path: join(ARTIFACTS, `structure-refused-${width}.png`),
        fullPage: true,
      });

      await page.goto(`${service.url}/admin/dispositifs/nouveau`);
      await page.getByLabel('Nom du dispositif').fill('Pass numérique des Pyrénées');
      await page.getByLabel(/^Code du département/).fill('31');
      await page.getByLabel('Nom du département').fill('Haute-Garonne');
      await page.getByLabel(/^Budget/).fill('beaucoup');
      await page.getByLabel('Premier jour').fill('2026-01-01');
      await page.getByLabel("Dernier jour d'utilisation des chèques").fill('2025-12-31');
      await page.getByLabel('Date limite des demandes de remboursement').fill('2027-02-28');
      await page.getByRole('button', { name: 'Créer le dispositif' }).click();
      await page.waitForLoadState('networkidle');
      expect(await page.getByLabel(/^Budget/).getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Nom du dispositif').inputValue()).toBe(
        'Pass numérique des Pyrénées',
      );
      expect(await axeFindings(page, `programme-refused-${width}`)).toEqual([]);
      await page.screenshot({
        path: join(ARTIFACTS, `programme-refused-${width}.png`),
        fullPage: true,
      });
      await context.close();
    }
  });
});
