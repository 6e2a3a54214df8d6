import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';

/**
 * The tests' phone: the authenticator app of every account a test set one up for (its secret,
 * read from the service's answer or page, as a person's app would scan it), giving codes the way
 * an app does (RFC 6238, 30 s). The service accepts each 30-second step once per account and one
 * step early or late; the phone remembers the steps it gave and uses the next one, and waits for
 * the clock when a test signs the same account in more than three times in 30 seconds.
 */
export class Phone {
  private readonly apps = new Map<string, { secret: string; lastStep: number }>();
  private readonly recovery = new Map<string, string[]>();

  private static key(where: string, email: string): string {
    return `${where}|${email.toLowerCase()}`;
  }

  add(where: string, email: string, secret: string): void {
    this.apps.set(Phone.key(where, email), { secret: secret.replace(/\s+/g, ''), lastStep: -1 });
  }

  has(where: string, email: string): boolean {
    return this.apps.has(Phone.key(where, email));
  }

  /** The recovery codes shown when the app was set up. */
  keepRecoveryCodes(where: string, email: string, codes: string[]): void {
    this.recovery.set(Phone.key(where, email), [...codes]);
  }

  recoveryCodes(where: string, email: string): string[] {
    return this.recovery.get(Phone.key(where, email)) ?? [];
  }

  /** The secret itself (tests that check what the service kept of it). */
  secret(where: string, email: string): string {
    const app = this.apps.get(Phone.key(where, email));
    if (!app) throw new Error(`no authenticator app for ${email} at ${where}`);
    return app.secret;
  }

  /** A code the service has not seen yet for this account. */
  async code(where: string, email: string): Promise<string> {
    const app = this.apps.get(Phone.key(where, email));
    if (!app) throw new Error(`no authenticator app for ${email} at ${where}`);
    const now = () => Math.floor(Date.now() / 1000 / 30);
    // the step before (still accepted) in the first half of the current step — at least 15 s
    // before it passes its time, for a slow machine — else the current one; after a step given,
    // the next one
    const early = (Date.now() / 1000) % 30 < 15 ? now() - 1 : now();
    const step = Math.max(early, app.lastStep + 1);
    // one step ahead of the clock at most: beyond, wait until it catches up
    while (step > now() + 1) await new Promise((r) => setTimeout(r, 1000));
    app.lastStep = step;
    return totpAt(app.secret, step);
  }
}

/** The code of `secret` for one 30-second step, as an authenticator app computes it. */
export function totpAt(secret: string, step: number): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
  return totp.generate({ timestamp: step * 30_000 });
}

/** One phone per test process: every helper that signs people in uses it. */
export const PHONE = new Phone();

/** A JSON POST to the service: its status and body. */
export type Post = (path: string, body: object) => Promise<{ status: number; body: unknown }>;

interface LoginAnswer {
  status?: string;
  accessToken?: string;
  challenge?: string;
  recoveryCodes?: string[];
}

/**
 * Signs in through the API as a client does: the password, then, when the service asks, the
 * second step: a code of the account's app, or (an administrator without one) the set-up of an
 * app with its first code. Returns the bearer token.
 */
export async function signInApi(
  post: Post,
  where: string,
  who: { email: string; password: string },
): Promise<string> {
  const first = await post('/api/auth/login', { email: who.email, password: who.password });
  if (first.status !== 200)
    throw new Error(`login ${who.email} failed: ${first.status} ${JSON.stringify(first.body)}`);
  const answer = first.body as LoginAnswer;
  if (answer.status === 'SIGNED_IN' && answer.accessToken) return answer.accessToken;
  let sealed: string | undefined;
  if (answer.status === 'SECOND_FACTOR_SETUP_REQUIRED') {
    const setup = await post('/api/auth/login/second-factor/setup', {
      challenge: answer.challenge,
    });
    if (setup.status !== 200)
      throw new Error(
        `set-up for ${who.email} failed: ${setup.status} ${JSON.stringify(setup.body)}`,
      );
    const body = setup.body as { secret: string; setup: string };
    PHONE.add(where, who.email, body.secret);
    sealed = body.setup;
  }
  const second = await post('/api/auth/login/second-factor', {
    challenge: answer.challenge,
    code: await PHONE.code(where, who.email),
    ...(sealed ? { setup: sealed } : {}),
  });
  const done = second.body as LoginAnswer;
  if (second.status !== 200 || !done.accessToken)
    throw new Error(`second step of ${who.email} failed: ${second.status} ${JSON.stringify(done)}`);
  if (done.recoveryCodes) PHONE.keepRecoveryCodes(where, who.email, done.recoveryCodes);
  return done.accessToken;
}

/**
 * `signInApi` against a service at `url`, with fetch; `where` names its data for PHONE (the same
 * database behind another address, after a restart, has the same apps).
 */
export function signInAt(
  url: string,
  who: { email: string; password: string },
  where = url,
): Promise<string> {
  const post: Post = async (path, body) => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  return signInApi(post, where, who);
}

/**
 * In a browser, after the password was sent: the second step's page, if the service shows it —
 * the code of the account's app, or the set-up of one (the key read from the page as a person
 * types it, the first code, then past the recovery codes).
 */
export async function secondStepInPage(page: Page, url: string, email: string): Promise<void> {
  if (new URL(page.url()).pathname !== '/connexion/second-facteur') return;
  const secret = page.locator('#secret');
  if (await secret.count()) PHONE.add(url, email, await secret.innerText());
  await page.getByLabel(/Code à 6 chiffres/).fill(await PHONE.code(url, email));
  await page.getByRole('button', { name: /Valider|Activer et me connecter/ }).click();
  await page.waitForLoadState('networkidle');
  const codes = page.locator('ul.recovery-codes code');
  if (await codes.count()) {
    PHONE.keepRecoveryCodes(url, email, await codes.allInnerTexts());
    await page.getByRole('link', { name: /continuer/ }).click();
    await page.waitForLoadState('networkidle');
  }
}
