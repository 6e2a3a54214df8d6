/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { axeFindings } from '../support/axe';
import { launchChromium, signInPage } from '../support/browser';
import { createTestDatabase } from '../support/database';
import { ServiceProcess, startService } from '../support/service-process';
import { TestSmtpServer } from '../support/smtp';
import { BENCH_ADMIN, benchEnv } from '../support/world';

const ARTIFACTS = join(__dirname, '..', 'artifacts', 'accounts');
const linkIn = (text: string) => /https?:\/\/\S+\/compte\/lien\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];

async function mailTo(smtp: TestSmtpServer, address: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const [mail] = smtp.to(address);
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no message to ${address}`);
}

/**
 * An account's whole life by e-mail, in Chromium against the compiled service and a real SMTP
 * server: an administrator invites from the accounts page, the service's own worker sends the
 * invitation, the invitee opens the link, is refused an easy password (reason beside the field),
 * chooses one and signs in; then "mot de passe oublié" the same way. Each page passes axe.
 */
describe('Invitation and forgotten password in the browser', () => {
  let smtp: TestSmtpServer;
  let service: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    smtp = await new TestSmtpServer().start();
    const env = benchEnv(await createTestDatabase('accounts'), {
      LOG_LEVEL: 'warn',
      SMTP_URL: smtp.url,
      MAIL_POLL_SECONDS: '1',
    });
    service = await startService(env, { compiled: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await smtp?.stop();
  });

  it('invites, chooses a password by the link, signs in; resets it by e-mail', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 900 } });
    const admin = await signInPage(context, service.url, BENCH_ADMIN);
    await admin.goto(`${service.url}/admin/utilisateurs`);
    await admin.getByLabel('Adresse e-mail').fill('claire.martin@cd31.test');
    await admin.getByLabel('Nom et prénom').fill('Claire Martin');
    await admin.getByLabel('Rôle', { exact: true }).selectOption('AGENT');
    await admin.getByRole('button', { name: "Créer le compte et envoyer l'invitation" }).click();
    await admin.waitForLoadState('networkidle');
    expect(await admin.getByRole('status').first().innerText()).toContain('l’invitation envoyée');
    expect(await axeFindings(admin, 'invited-account')).toEqual([]);
    await admin.screenshot({ path: join(ARTIFACTS, 'invited-account-360.png'), fullPage: true });

    const invitation = await mailTo(smtp, 'claire.martin@cd31.test');
    expect(invitation.subject).toBe('Votre compte Pass numérique');
    const link = linkIn(invitation.text)!;
    const invitee = await (
      await browser.newContext({ viewport: { width: 360, height: 900 } })
    ).newPage();
    await invitee.goto(link);
    expect(await invitee.getByRole('heading', { level: 1 }).innerText()).toBe(
      'Choisir votre mot de passe',
    );
    expect(await axeFindings(invitee, 'link')).toEqual([]);
    await invitee.getByLabel(/^Nouveau mot de passe/).fill('azertyuiop12');
    await invitee.getByLabel('Le même, à nouveau').fill('azertyuiop12');
    await invitee.getByRole('button', { name: 'Enregistrer mon mot de passe' }).click();
    await invitee.waitForLoadState('networkidle');
    const field = invitee.getByLabel(/^Nouveau mot de passe/);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const reason = await invitee
      .locator(`#${await field.getAttribute('aria-describedby')}`)
      .innerText();
    expect(reason).toContain('est trop facile à deviner');
    expect(await axeFindings(invitee, 'link-refused')).toEqual([]);
    await invitee.screenshot({ path: join(ARTIFACTS, 'link-refused-360.png'), fullPage: true });

    const chosen = 'la marée monte sur le port de sète';
    await invitee.getByLabel(/^Nouveau mot de passe/).fill(chosen);
    await invitee.getByLabel('Le même, à nouveau').fill(chosen);
    await invitee.getByRole('button', { name: 'Enregistrer mon mot de passe' }).click();
    await invitee.waitForLoadState('networkidle');
    // the link is built on PUBLIC_BASE_URL (localhost), the tests reach 127.0.0.1: the same service
    const { pathname, search } = new URL(invitee.url());
    expect(pathname + search).toBe('/connexion?mdp=1');
    expect(await invitee.getByRole('status').first().innerText()).toContain(
      'Votre mot de passe est enregistré',
    );
    await invitee.screenshot({ path: join(ARTIFACTS, 'password-chosen-360.png'), fullPage: true });
    const signedIn = await signInPage(invitee.context(), service.url, {
      email: 'claire.martin@cd31.test',
      password: chosen,
    });
    expect(signedIn.url()).toBe(`${service.url}/agent`);

    // forgotten password, from the sign-in page
    const visitor = await (
      await browser.newContext({ viewport: { width: 1280, height: 900 } })
    ).newPage();
    await visitor.goto(`${service.url}/connexion`);
    await visitor.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    await visitor.getByLabel('Adresse e-mail').fill('claire.martin@cd31.test');
    await visitor.getByRole('button', { name: 'Recevoir un lien' }).click();
    await visitor.waitForLoadState('networkidle');
    expect(await visitor.getByRole('status').first().innerText()).toContain(
      'un message vient de lui être envoyé',
    );
    expect(await axeFindings(visitor, 'forgot-sent')).toEqual([]);
    await visitor.screenshot({ path: join(ARTIFACTS, 'forgot-sent-desktop.png'), fullPage: true });
    const reset = await mailTo(smtp, 'claire.martin@cd31.test').then(async () => {
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        const mails = smtp.to('claire.martin@cd31.test');
        if (mails.length >= 2) return mails[1];
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('no reset message');
    });
    expect(reset.subject).toBe('Changer votre mot de passe Pass numérique');
    await visitor.goto(linkIn(reset.text)!);
    expect(await visitor.getByRole('heading', { level: 1 }).innerText()).toBe(
      'Changer votre mot de passe',
    );
    await visitor.screenshot({ path: join(ARTIFACTS, 'reset-link-desktop.png'), fullPage: true });
    // the session opened with the old password has ended once the new one is chosen
    await visitor.getByLabel(/^Nouveau mot de passe/).fill('trois hérons sur la digue');
    await visitor.getByLabel('Le même, à nouveau').fill('trois hérons sur la digue');
    await visitor.getByRole('button', { name: 'Enregistrer mon mot de passe' }).click();
    await visitor.waitForLoadState('networkidle');
    await signedIn.goto(`${service.url}/agent`);
    expect(signedIn.url()).toContain('/connexion');
  });
});
