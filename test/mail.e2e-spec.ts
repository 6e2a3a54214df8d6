import request from 'supertest';
import { parisToday, shiftDay } from '../src/common/dates';
import { MailWorker } from '../src/mail/mail-worker';
import { AccreditationRemindersJob } from '../src/associations/accreditation-reminders.job';
import { ProgrammeRemindersJob } from '../src/programmes/programme-reminders.job';
import { UsersService } from '../src/users/users.service';
import { AccountLinksService } from '../src/users/account-links.service';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, issuedStatement } from './support/factories';
import { TestSmtpServer } from './support/smtp';

const PROBLEM = /application\/problem\+json/;
import { csrfOf, signedInBrowser } from './support/pages';

const ADMIN = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD };
const linkIn = (text: string) =>
  /http:\/\/pass\.test\/compte\/lien\/([A-Za-z0-9_-]{43})/.exec(text)?.[1] ?? '';
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function rows<T>(t: TestApp, sql: string, params: unknown[] = []): Promise<T[]> {
  return t.dataSource.query<T[]>(sql, params);
}

/** A browser on the app: cookie jar, CSRF token read from the page. */
async function browser(t: TestApp, path: string) {
  const agent = request.agent(t.http);
  const page = await agent.get(path).set('Accept', 'text/html');
  return { agent, page, csrf: csrfOf(page.text) };
}

/**
 * E-mail, end to end against a real SMTP server on loopback: messages written in the action's
 * transaction, sent by the worker once (also with two instances), retried after an outage, given
 * up on a permanent refusal; invitations and password resets through their single-use links.
 */
describe('E-mail: outbox, worker, invitations and password resets', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let admin: string;
  let worker: MailWorker;

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Pass numérique <ne-pas-repondre@pass.test>',
        MAIL_WORKER_ENABLED: 'false',
        MAIL_RETRY_BASE_SECONDS: '1',
        MAIL_MAX_ATTEMPTS: '3',
        PASSWORD_RESET_LIMIT: '5',
      },
    });
    admin = await t.adminToken();
    worker = t.app.get(MailWorker);
    // the administrator's first sign-in set an authenticator app up: its owner is told
    expect(await worker.deliverDue()).toMatchObject({ sent: 1, failed: 0 });
    const [notice] = smtp.to(ADMIN_EMAIL);
    expect(notice.subject).toBe('Double authentification de votre compte Pass numérique');
    expect(notice.text).toContain('Une application d’authentification a été ajoutée');
    expect(notice.text).toContain('http://pass.test/compte/securite');
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    expect(smtp.errors).toEqual([]);
  });

  it('invites by e-mail: one message, the link chooses the password once, nobody else sees it', async () => {
    const email = 'nouvelle.agente@cd31.test';
    const invited = await request(t.http)
      .post('/api/users/invitations')
      .set(auth(admin))
      .send({ email, role: 'AGENT', displayName: 'Nadia Benali' })
      .expect(201);
    expect(invited.body).toMatchObject({ email, hasPassword: false, active: true });
    // the account cannot sign in before its holder chooses a password
    await request(t.http).post('/api/auth/login').send({ email, password: 'x' }).expect(401);

    const [pending] = await rows<{ status: string; text_body: string }>(
      t,
      `SELECT status, text_body FROM outbox_message WHERE recipient = $1`,
      [email],
    );
    expect(pending.status).toBe('PENDING');
    // an administrator never reads the link: not in the API, not on the page
    const listed = await request(t.http)
      .get('/api/messages?kind=INVITATION')
      .set(auth(admin))
      .expect(200);
    expect(listed.body.items[0]).toMatchObject({ recipient: email, sensitive: true, text: null });
    expect(JSON.stringify(listed.body)).not.toContain('/compte/lien/');

    expect(await worker.deliverDue()).toMatchObject({ sent: 1, retried: 0, failed: 0 });
    const [mail] = smtp.to(email);
    expect(mail.subject).toBe('Votre compte Pass numérique');
    expect(mail.from).toBe('ne-pas-repondre@pass.test');
    expect(mail.text).toContain('Administrateur vous a ouvert un compte');
    expect(mail.text).toContain('Votre rôle : Agent du département.');
    expect(mail.html).toContain('<html lang="fr">');
    const secret = linkIn(mail.text);
    expect(secret).toHaveLength(43);
    expect(mail.html).toContain(`<a href="http://pass.test/compte/lien/${secret}">`);
    // sent: the message keeps no copy of the link
    const [sent] = await rows<{
      status: string;
      text_body: string | null;
      html_body: string | null;
    }>(t, `SELECT status, text_body, html_body FROM outbox_message WHERE recipient = $1`, [email]);
    expect(sent).toEqual({ status: 'SENT', text_body: null, html_body: null });
    // only the hash of the secret is stored
    expect(JSON.stringify(await rows(t, 'SELECT * FROM account_link'))).not.toContain(secret);

    // the page of the link, as the invitee opens it
    const { agent, page, csrf } = await browser(t, `/compte/lien/${secret}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Choisir votre mot de passe');
    expect(page.text).toContain(email);
    const weak = await agent
      .post(`/compte/lien/${secret}`)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: csrf, password: 'aaaaaaaaaaaa', passwordAgain: 'aaaaaaaaaaaa' });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('est trop facile à deviner');
    expect(weak.text).toContain('aria-invalid="true"');
    const differ = await agent
      .post(`/compte/lien/${secret}`)
      .set('Accept', 'text/html')
      .type('form')
      .send({
        _csrf: csrf,
        password: 'soleil couchant sur la garonne',
        passwordAgain: 'autre chose encore',
      });
    expect(differ.status).toBe(400);
    expect(differ.text).toContain('ne correspond pas au premier');
    const chosen = await agent
      .post(`/compte/lien/${secret}`)
      .set('Accept', 'text/html')
      .type('form')
      .send({
        _csrf: csrf,
        password: 'soleil couchant sur la garonne',
        passwordAgain: 'soleil couchant sur la garonne',
      });
    expect([chosen.status, chosen.headers.location]).toEqual([303, '/connexion?mdp=1']);
    await request(t.http)
      .post('/api/auth/login')
      .send({ email, password: 'soleil couchant sur la garonne' })
      .expect(200);
    // used once
    const again = await agent.get(`/compte/lien/${secret}`).set('Accept', 'text/html');
    expect(again.status).toBe(410);
    expect(again.text).toContain('Ce lien a déjà servi');
    const api = await request(t.http)
      .post('/api/auth/links/use')
      .send({ token: secret, password: 'un tout autre mot de passe' })
      .expect(410);
    expect(api.body.code).toBe('LINK_INVALID');
    expect(api.headers['content-type']).toMatch(PROBLEM);
    // the database refuses to reuse or extend a used link
    await expect(t.dataSource.query(`UPDATE account_link SET used_at = NULL`)).rejects.toThrow(
      /used once/,
    );

    const audit = await rows<{ action: string }>(
      t,
      `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id`,
      [invited.body.id],
    );
    expect(audit.map((a) => a.action)).toEqual([
      'user.created',
      'auth.login_failed', // before the password was chosen: reason no_password_yet
      'user.invitation_accepted',
      'auth.login',
    ]);
    // the inviter chose where the link went: separation of duties counts them with the account
    expect(
      await rows(t, `SELECT 1 FROM password_setter WHERE user_id = $1`, [invited.body.id]),
    ).toHaveLength(1);
  });

  it('a refused action writes no message; a new invitation ends the old link', async () => {
    const before = await rows<{ n: number }>(t, `SELECT count(*)::int AS n FROM outbox_message`);
    const dup = await request(t.http)
      .post('/api/users/invitations')
      .set(auth(admin))
      .send({ email: ADMIN_EMAIL, role: 'AGENT' })
      .expect(409);
    expect(dup.body.code).toBe('EMAIL_TAKEN');
    const bad = await request(t.http)
      .post('/api/users/invitations')
      .set(auth(admin))
      .send({ email: 'prescripteur@cd31.test', role: 'PRESCRIBER' })
      .expect(400);
    expect(bad.body.errors[0].field).toBe('siteIds');
    const after = await rows<{ n: number }>(t, `SELECT count(*)::int AS n FROM outbox_message`);
    expect(after[0].n).toBe(before[0].n);

    const email = 'relance@cd31.test';
    const { body: user } = await request(t.http)
      .post('/api/users/invitations')
      .set(auth(admin))
      .send({ email, role: 'AGENT' })
      .expect(201);
    await request(t.http).post(`/api/users/${user.id}/invitation`).set(auth(admin)).expect(200);
    await worker.deliverDue();
    const [first, second] = smtp.to(email).map((m) => linkIn(m.text));
    expect(first).not.toBe(second);
    await request(t.http).get(`/compte/lien/${first}`).set('Accept', 'text/html').expect(410);
    await request(t.http).get(`/compte/lien/${second}`).set('Accept', 'text/html').expect(200);
    // once a password is chosen, no new invitation
    await request(t.http)
      .post('/api/auth/links/use')
      .send({ token: second, password: 'trois petits chats blancs' })
      .expect(200);
    const refused = await request(t.http)
      .post(`/api/users/${user.id}/invitation`)
      .set(auth(admin))
      .expect(409);
    expect(refused.body.code).toBe('ALREADY_HAS_PASSWORD');
  });

  it('"Mot de passe oublié": the same answer for any address, a link valid 1 h, every session ended', async () => {
    const { token: oldToken, email } = await t.userToken('AGENT');
    const page = await browser(t, '/mot-de-passe-oublie');
    expect(page.page.status).toBe(200);
    const known = await page.agent
      .post('/mot-de-passe-oublie')
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: page.csrf, email });
    const unknown = await page.agent
      .post('/mot-de-passe-oublie')
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: page.csrf, email: 'personne@nulle-part.test' });
    expect([known.status, unknown.status]).toEqual([200, 200]);
    const sentence = (html: string) =>
      /<div class="notice ok"[\s\S]*?<\/div>/
        .exec(html)?.[0]
        .replace(/personne@nulle-part\.test|[\w.-]+@test\.local/, 'ADDRESS');
    expect(sentence(known.text)).toBe(sentence(unknown.text));
    await request(t.http)
      .post('/api/auth/password-reset')
      .send({ email: 'personne@nulle-part.test' })
      .expect(202);

    // written after the answer (its time tells nothing either)
    await t.app.get(AccountLinksService).settled();
    await worker.deliverDue();
    expect(smtp.to('personne@nulle-part.test')).toHaveLength(0);
    const [mail] = smtp.to(email);
    expect(mail.subject).toBe('Changer votre mot de passe Pass numérique');
    const [link] = await rows<{ hours: number }>(
      t,
      `SELECT round(extract(epoch FROM expires_at - created_at) / 3600)::int AS hours FROM account_link WHERE purpose = 'PASSWORD_RESET'`,
    );
    expect(link.hours).toBe(1);
    const used = await request(t.http)
      .post('/api/auth/links/use')
      .send({ token: linkIn(mail.text), password: 'une girafe lit le journal' })
      .expect(200);
    expect(used.body).toEqual({ purpose: 'PASSWORD_RESET', email, awaitsConfirmation: false });
    // every session of the account ended
    await request(t.http).get('/api/auth/me').set(auth(oldToken)).expect(401);
    await request(t.http)
      .post('/api/auth/login')
      .send({ email, password: 'une girafe lit le journal' })
      .expect(200);

    // limited per IP and per address: 5 an hour here (3 requests from this IP so far)
    await request(t.http).post('/api/auth/password-reset').send({ email }).expect(202);
    await request(t.http).post('/api/auth/password-reset').send({ email }).expect(202);
    const limited = await request(t.http)
      .post('/api/auth/password-reset')
      .send({ email })
      .expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await t.app.get(AccountLinksService).settled();
    expect(await worker.deliverDue()).toMatchObject({ sent: 2 });
    // deactivating the account ends the last one
    // two requests at once: one valid link remains, the other ended
    const [one, two] = smtp
      .to(email)
      .slice(-2)
      .map((m) => linkIn(m.text));
    const opened = await Promise.all(
      [one, two].map(async (l) => (await request(t.http).get(`/compte/lien/${l}`)).status),
    );
    expect([...opened].sort()).toEqual([200, 410]);
    const newer = opened[0] === 200 ? one : two;
    const { body: found } = await request(t.http)
      .get(`/api/users?email=${encodeURIComponent(email)}`)
      .set(auth(admin))
      .expect(200);
    await request(t.http)
      .patch(`/api/users/${found.items[0].id}`)
      .set(auth(admin))
      .send({ active: false })
      .expect(200);
    const dead = await request(t.http)
      .post('/api/auth/links/use')
      .send({ token: newer, password: 'un koala dort dans le ficus' })
      .expect(410);
    expect(dead.body.code).toBe('LINK_INVALID');
  });

  it('an SMTP outage delays, loses nothing, sends once; a 5xx refusal is given up and resent by hand', async () => {
    // its own server and instance: the other tests never depend on a server that was stopped
    const smtp = await new TestSmtpServer().start();
    const t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        MAIL_WORKER_ENABLED: 'false',
        MAIL_RETRY_BASE_SECONDS: '1',
        MAIL_MAX_ATTEMPTS: '3',
      },
    });
    try {
      await outageThenRefusal(t, smtp);
    } finally {
      await t.close();
      await smtp.stop();
    }
    expect(smtp.errors).toEqual([]);
  });

  async function outageThenRefusal(t: TestApp, smtp: TestSmtpServer): Promise<void> {
    const admin = await t.adminToken();
    const worker = t.app.get(MailWorker);
    await worker.deliverDue(); // the notice of the administrator's new authenticator app
    await smtp.stop();
    const email = 'panne@cd31.test';
    await request(t.http)
      .post('/api/users/invitations')
      .set(auth(admin))
      .send({ email, role: 'AGENT' })
      .expect(201);
    expect(await worker.deliverDue()).toMatchObject({ sent: 0, retried: 1 });
    const [waiting] = await rows<{ status: string; attempts: number; last_error: string }>(
      t,
      `SELECT status, attempts, last_error FROM outbox_message WHERE recipient = $1`,
      [email],
    );
    expect(waiting).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(waiting.last_error).toMatch(/ECONNREFUSED|ESOCKET|connect/i);
    await smtp.start(); // same port
    // not before its back-off (1 s here)
    await new Promise((r) => setTimeout(r, 1100));
    expect(await worker.deliverDue()).toMatchObject({ sent: 1 });
    expect(await worker.deliverDue()).toMatchObject({ sent: 0, retried: 0 });
    expect(smtp.to(email)).toHaveLength(1);

    // a permanent refusal (550): given up at once, shown, resent by an administrator
    smtp.refuse.add('refuse@cd31.test');
    const { body: refusedUser } = await request(t.http)
      .post('/api/users/invitations')
      .set(auth(admin))
      .send({ email: 'refuse@cd31.test', role: 'AGENT' })
      .expect(201);
    expect(await worker.deliverDue()).toMatchObject({ failed: 1 });
    const failed = await request(t.http)
      .get('/api/messages?status=FAILED')
      .set(auth(admin))
      .expect(200);
    expect(failed.body.items).toHaveLength(1);
    expect(failed.body.items[0].lastError).toMatch(/550/);
    smtp.refuse.clear();
    const agent = await signedInBrowser(t.http, t.databaseUrl, ADMIN);
    const list = await agent
      .get('/admin/messages?status=FAILED')
      .set('Accept', 'text/html')
      .expect(200);
    expect(list.text).toContain('refuse@cd31.test');
    expect(list.text).toContain('Contenu personnel, non affiché.');
    expect(list.text).not.toContain('/compte/lien/');
    const resend = await agent
      .post(`/admin/messages/${failed.body.items[0].id}/renvoyer`)
      .type('form')
      .send({ _csrf: csrfOf(list.text) });
    expect([resend.status, resend.headers.location]).toEqual([303, '/admin/messages?fait=renvoi']);
    expect(await worker.deliverDue()).toMatchObject({ sent: 1 });
    expect(smtp.to('refuse@cd31.test')).toHaveLength(1);
    const again = await request(t.http)
      .post(`/api/messages/${failed.body.items[0].id}/retry`)
      .set(auth(admin))
      .expect(409);
    expect(again.body.code).toBe('MESSAGE_NOT_RETRYABLE');
    expect(
      (
        await rows<{ action: string }>(
          t,
          `SELECT action FROM audit_event WHERE entity_type = 'message'`,
        )
      ).map((a) => a.action),
    ).toEqual(['message.retried']);
    expect(refusedUser.hasPassword).toBe(false);
  }

  it('with e-mail, the accounts page invites: no password typed by an administrator', async () => {
    const agent = await signedInBrowser(t.http, t.databaseUrl, ADMIN);
    const list = await agent.get('/admin/utilisateurs').set('Accept', 'text/html').expect(200);
    expect(list.text).toContain("Créer le compte et envoyer l'invitation");
    expect(list.text).not.toContain('Mot de passe initial');
    const created = await agent
      .post('/admin/utilisateurs')
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: csrfOf(list.text), email: 'par.la.page@cd31.test', role: 'AGENT' });
    expect(created.status).toBe(303);
    expect(created.headers.location).toMatch(
      /\/admin\/utilisateurs\/[0-9a-f-]{36}\?fait=invitation$/,
    );
    const detail = await agent.get(created.headers.location).set('Accept', 'text/html').expect(200);
    expect(detail.text).toContain('l’invitation envoyée');
    expect(detail.text).toContain('Renvoyer une invitation');
    expect(detail.text).not.toContain('Nouveau mot de passe');
    const typed = await agent
      .post(created.headers.location.replace(/\?.*$/, '/mot-de-passe'))
      .set('Accept', 'text/html')
      .type('form')
      .send({
        _csrf: csrfOf(detail.text),
        password: 'un mot de passe choisi par un autre',
        passwordAgain: 'un mot de passe choisi par un autre',
        confirmPassword: 'oui',
      });
    expect(typed.status).toBe(400);
    expect(typed.text).toContain('se choisit par son titulaire');
    await worker.deliverDue();
    expect(smtp.to('par.la.page@cd31.test')).toHaveLength(1);
  });

  it('two instances on one database send each message exactly once', async () => {
    const two = await createTestApp({
      databaseUrl: t.databaseUrl,
      env: { SMTP_URL: smtp.url, MAIL_WORKER_ENABLED: 'false' },
    });
    try {
      const before = smtp.received.length;
      const emails = Array.from({ length: 30 }, (_, i) => `lot-${i}@cd31.test`);
      for (const email of emails)
        await request(t.http)
          .post('/api/users/invitations')
          .set(auth(admin))
          .send({ email, role: 'AGENT' })
          .expect(201);
      const workers = [worker, two.app.get(MailWorker)];
      // both instances at once, several rounds, until nothing is due
      for (let round = 0; round < 3; round++) await Promise.all(workers.map((w) => w.deliverDue()));
      const got = smtp.received.slice(before);
      expect(got).toHaveLength(30);
      expect(new Set(got.map((m) => m.messageId)).size).toBe(30);
      expect(new Set(got.flatMap((m) => m.to))).toEqual(new Set(emails));
    } finally {
      await two.close();
    }
  });

  it('tells admins of a claim, the association of its statement issued and paid, with number and amount', async () => {
    const programme = await createProgramme(t);
    const secondAdmin = await t.userToken('ADMIN');
    const statement = await issuedStatement(t, programme.id, admin, {
      count: 3,
      name: 'Clic Solidaire',
    });
    await request(t.http)
      .post(`/api/statements/${statement.id}/approve`)
      .set(auth(secondAdmin.token))
      .expect(200);
    await request(t.http)
      .post(`/api/statements/${statement.id}/paid`)
      .set(auth(admin))
      .send({
        paidOn: parisToday(),
        paymentReference: 'VIR-2026-0042',
        mandateNumber: 'M-2026-118',
      })
      .expect(200);
    await worker.deliverDue();
    const claim = smtp
      .to(ADMIN_EMAIL)
      .find((m) => m.subject === 'Demande de remboursement de Clic Solidaire');
    expect(claim?.text).toMatch(/Montant : 30,00\s€, pour 1 encaissement\./);
    const toAssociation = smtp.to('contact@connectes.example');
    const issued = toAssociation.find(
      (m) => m.subject === `État de remboursement ${statement.number} émis`,
    );
    expect(issued?.text).toMatch(/Montant : 30,00\s€, pour 3 chèques\./);
    const paid = toAssociation.find(
      (m) => m.subject === `État de remboursement ${statement.number} payé`,
    );
    expect(paid?.text).toContain('Référence du virement : VIR-2026-0042.');
    // the association's staff account gets them too
    const staff = await rows<{ email: string }>(
      t,
      `SELECT email FROM app_user WHERE association_id = $1`,
      [statement.associationId],
    );
    expect(smtp.to(staff[0].email).map((m) => m.subject)).toEqual(
      expect.arrayContaining([issued!.subject, paid!.subject]),
    );
  });

  it('reminds once of an accreditation and a programme ending within 30 days', async () => {
    const today = parisToday();
    const asso = await createAssociation(
      t,
      { name: 'Fin Proche', email: 'fin.proche@asso.test' },
      { validFrom: shiftDay(today, -300), validUntil: shiftDay(today, 20) },
    );
    await createAssociation(
      t,
      { name: 'Loin Encore', email: 'loin@asso.test' },
      { validFrom: shiftDay(today, -300), validUntil: shiftDay(today, 200) },
    );
    await createProgramme(t, {
      name: 'Dispositif qui finit',
      validFrom: shiftDay(today, -200),
      expiresOn: shiftDay(today, 10),
      claimDeadline: shiftDay(today, 60),
    });
    const { email: agent } = await t.userToken('AGENT');
    const accreditations = t.app.get(AccreditationRemindersJob);
    const programmes = t.app.get(ProgrammeRemindersJob);
    expect(await accreditations.run()).toBe(1);
    expect(await accreditations.run()).toBe(0);
    expect(await programmes.run()).toBeGreaterThanOrEqual(1);
    expect(await programmes.run()).toBe(0);
    await worker.deliverDue();
    const [reminder] = smtp.to('fin.proche@asso.test');
    expect(reminder.subject).toMatch(/^Votre habilitation se termine le \d\d\/\d\d\/\d{4}$/);
    expect(smtp.to('loin@asso.test')).toHaveLength(0);
    const ending = smtp
      .to(agent)
      .filter((m) => m.subject.startsWith('Le dispositif Dispositif qui finit se termine'));
    expect(ending).toHaveLength(1);
    expect(asso.id).toBeTruthy();
  });
});

/** Without SMTP_URL (the embedded default) nothing is lost: messages wait, listed for admins. */
describe('E-mail without SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('keeps messages in the outbox, says so on /admin/messages, and offers typed passwords instead', async () => {
    const admin = await t.adminToken();
    await request(t.http).post('/api/auth/password-reset').send({ email: ADMIN_EMAIL }).expect(202);
    await t.app.get(AccountLinksService).settled();
    expect(await t.app.get(MailWorker).deliverDue()).toEqual({
      sent: 0,
      retried: 0,
      failed: 0,
      expired: 0,
    });
    const summary = await request(t.http).get('/api/messages/summary').set(auth(admin)).expect(200);
    // the reset link, and the notice of the administrator's new authenticator app
    expect(summary.body).toMatchObject({ smtpConfigured: false, pending: 2 });
    const agent = await signedInBrowser(t.http, t.databaseUrl, ADMIN);
    const page = await agent.get('/admin/messages').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain("L'envoi des e-mails n'est pas configuré");
    expect(page.text).toContain('Lien de mot de passe');
    expect(page.text).not.toContain('/compte/lien/');
    const users = await agent.get('/admin/utilisateurs').set('Accept', 'text/html').expect(200);
    expect(users.text).toContain('Mot de passe initial');
    // an expired link's message is never sent later
    await t.dataSource.query(
      `UPDATE outbox_message SET expires_at = now() - interval '1 second' WHERE kind = 'PASSWORD_RESET'`,
    );
    expect(await t.app.get(MailWorker).deliverDue()).toMatchObject({ expired: 1 });
    const [gone] = await rows<{ status: string; text_body: string | null }>(
      t,
      `SELECT status, text_body FROM outbox_message WHERE kind = 'PASSWORD_RESET'`,
    );
    expect(gone).toEqual({ status: 'EXPIRED', text_body: null });
    expect(t.app.get(UsersService)).toBeDefined();
  });
});
