import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';

export const OIDC_CLIENT_ID = 'pass-numerique-test';
export const OIDC_CLIENT_SECRET = 'secret-du-client-de-test';

/** Someone the provider signs in: ProConnect's claims. */
export interface ProviderAccount {
  sub: string;
  email: string;
  email_verified?: boolean;
  given_name?: string;
  usual_name?: string;
  siret?: string;
  uid?: string;
  /** The level its sign-in reaches (default eidas1), and the methods used (RFC 8176), if named. */
  acr?: string;
  amr?: string[];
}

export type ProviderMode = 'normal' | 'wrong-audience' | 'expired' | 'bad-signature' | 'weak-acr';

/**
 * A real OpenID provider on loopback (`oidc-provider`, in its own Node process: see
 * oidc-provider.mjs), for the redirect URI of the app under test.
 */
export class TestOidcProvider {
  issuer = '';
  private child: ChildProcess | undefined;

  async start(redirectUri: string): Promise<this> {
    const child = spawn(
      process.execPath,
      [join(__dirname, 'oidc-provider.mjs'), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, redirectUri],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    this.issuer = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`OpenID provider did not start: ${stderr}`)),
        20_000,
      );
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`OpenID provider exited (${code}): ${stderr}`));
      });
    });
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /** Who signs in next. */
  async signsIn(account: ProviderAccount): Promise<void> {
    await request(this.issuer).post('/_test/account').send(account).expect(204);
  }

  /** How the provider answers next (until told otherwise). */
  async answers(mode: ProviderMode): Promise<void> {
    await request(this.issuer).post('/_test/mode').send({ mode }).expect(204);
  }

  /**
   * A browser going through the provider: from its authorization URL (where the app sent it) to
   * the app's callback, cookies kept at the provider. Returns the callback's path and query.
   */
  async follow(authorizationUrl: string): Promise<string> {
    const browser = request.agent(this.issuer);
    let location = authorizationUrl;
    for (let hop = 0; hop < 10; hop++) {
      const url = new URL(location, this.issuer);
      if (url.origin !== this.issuer) return url.pathname + url.search;
      const res = await browser.get(url.pathname + url.search);
      if (res.status < 300 || res.status >= 400)
        throw new Error(`provider answered ${res.status} at ${url.pathname}: ${res.text}`);
      location = res.headers.location;
    }
    throw new Error('too many redirections at the provider');
  }
}
