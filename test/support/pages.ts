import request from 'supertest';
import type { Response } from 'supertest';
import type { Agent as TestAgent } from 'supertest';
import { PHONE } from './second-factor';

/** The CSRF token of a page's forms. */
export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** The sealed set-up of a page that adds an authenticator app (its hidden field). */
export const setupOf = (html: string) =>
  /name="setup" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#x3D;/g, '=');

/**
 * A browser (supertest agent) signs in through the sign-in form, and through the second step
 * when the service asks for it (PHONE, keyed by `where`). The answer is the sign-in's last one:
 * the 303 to the page asked for, the sign-in page again when refused, or — after an app was set
 * up — the page of the recovery codes (200).
 */
export async function signInForm(
  agent: TestAgent,
  where: string,
  who: { email: string; password: string; suite?: string },
): Promise<Response> {
  const form = await agent.get('/connexion').set('Accept', 'text/html').expect(200);
  const res = await agent
    .post('/connexion')
    .type('form')
    .send({
      _csrf: csrfOf(form.text),
      email: who.email,
      password: who.password,
      ...(who.suite !== undefined ? { suite: who.suite } : {}),
    });
  return secondStepForm(agent, where, who.email, res);
}

/** After the password was sent (`res`): the second step's form, if the service led to it. */
export async function secondStepForm(
  agent: TestAgent,
  where: string,
  email: string,
  res: Response,
): Promise<Response> {
  if (res.status !== 303 || res.headers.location !== '/connexion/second-facteur') return res;
  const page = await agent.get('/connexion/second-facteur').set('Accept', 'text/html').expect(200);
  const secret = /<code class="secret" id="secret">([A-Z2-7 ]+)<\/code>/.exec(page.text)?.[1];
  if (secret) PHONE.add(where, email, secret);
  const setup = setupOf(page.text);
  const done = await agent
    .post('/connexion/second-facteur')
    .type('form')
    .send({
      _csrf: csrfOf(page.text),
      code: await PHONE.code(where, email),
      ...(setup ? { setup } : {}),
    });
  const codes = [...done.text.matchAll(/<li><code>([A-Z0-9-]{19})<\/code><\/li>/g)].map(
    (m) => m[1],
  );
  if (codes.length > 0) PHONE.keepRecoveryCodes(where, email, codes);
  return done;
}

/** The password sent (`sent`), then the second step if asked: fails unless a session opened. */
export async function expectSignedIn(
  agent: TestAgent,
  where: string,
  email: string,
  sent: PromiseLike<Response>,
): Promise<void> {
  assertOpened(email, await secondStepForm(agent, where, email, await sent));
}

/** A new browser on `http`, signed in through the sign-in form (and its second step). */
export async function signedInBrowser(
  http: Parameters<typeof request.agent>[0],
  where: string,
  who: { email: string; password: string },
): Promise<TestAgent> {
  const agent = request.agent(http);
  assertOpened(who.email, await signInForm(agent, where, who));
  return agent;
}

/** The sign-in's last answer led into the service (its page, or the recovery codes shown once). */
function assertOpened(email: string, done: Response): void {
  const opened =
    (done.status === 303 && !String(done.headers.location).startsWith('/connexion')) ||
    (done.status === 200 && done.text.includes('class="recovery-codes"'));
  if (!opened) throw new Error(`sign-in of ${email} opened no session: ${done.status}`);
}
