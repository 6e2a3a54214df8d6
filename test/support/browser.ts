import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { secondStepInPage } from './second-factor';

/** Debian's chromium (installed by .ci/run), or the one CHROMIUM_PATH names. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium as the browser tests run it (French, no sandbox as root, no GPU), plus `args`. */
export function launchChromium(args: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--lang=fr-FR', '--disable-dev-shm-usage', ...args],
  });
}

/**
 * A new tab of `context`, signed in through the sign-in page of the service at `url` (and its
 * second step, when the service asks: PHONE, keyed by `url`).
 */
export async function signInPage(
  context: BrowserContext,
  url: string,
  who: { email: string; password: string },
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/connexion`);
  await page.getByLabel('Adresse e-mail').fill(who.email);
  await page.getByLabel('Mot de passe').fill(who.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForLoadState('networkidle');
  await secondStepInPage(page, url, who.email);
  return page;
}
