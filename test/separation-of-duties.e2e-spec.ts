import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import type { StatementDto } from '../src/statements/dto/statement.dto';
import type { UserDto } from '../src/users/dto/user.dto';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, issuedStatement } from './support/factories';
import { binary } from './support/pdf';

const as = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * One person alone — whatever accounts they create, re-activate or reset — never both prepares
 * and approves money. `admin` plays that person throughout; `admin2` and `admin3` are
 * administrators created on the server (independent of anyone).
 */
describe('Separation of duties: four eyes that are two people', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;
  let admin3: string;
  let programmeId: string;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        LOOKUP_FAILURE_LIMIT: '100000',
        LOGIN_RATE_LIMIT_PER_IP: '1000',
        PAYER_NAME: 'Département de la Haute-Garonne',
        PAYER_IBAN: 'FR76 3000 1007 9412 3456 7890 185',
        PAYER_BIC: 'BDFEFRPPCCT',
      },
    });
    admin = await t.adminToken();
    admin2 = (await t.userToken('ADMIN')).token;
    admin3 = (await t.userToken('ADMIN')).token;
    programmeId = (await createProgramme(t)).id;
  });
  afterAll(() => t.close());

  /** A statement issued by `issuer` (an administrator or an agent). */
  const issuedBy = (issuer: string) => issuedStatement(t, programmeId, issuer);
  const approve = (token: string, s: StatementDto) =>
    request(t.http).post(`/api/statements/${s.id}/approve`).set(as(token));
  const newUser = async (by: string, role: 'ADMIN' | 'AGENT') => {
    const email = `${role.toLowerCase()}-${randomUUID()}@sod.test`;
    const password = `password-${randomUUID()}`;
    const res = await request(t.http)
      .post('/api/users')
      .set(as(by))
      .send({ email, password, role })
      .expect(201);
    return { user: res.body as UserDto, email, password };
  };
  const login = (email: string, password: string) =>
    request(t.http).post('/api/auth/login').send({ email, password });
  const confirm = (token: string, id: string) =>
    request(t.http).post(`/api/users/${id}/change/confirm`).set(as(token));

  it('an administrator created by another waits, inactive, for a second administrator; the one who created it never confirms it', async () => {
    const created = await newUser(admin, 'ADMIN');
    expect(created.user).toMatchObject({
      active: false,
      pendingChange: { kind: 'ADMIN_CREATION' },
    });
    expect((await login(created.email, created.password)).status).toBe(401);
    const self = await confirm(admin, created.user.id).expect(403);
    expect(self.body.code).toBe('SECOND_ADMIN_REQUIRED');
    const confirmed = (await confirm(admin2, created.user.id).expect(200)).body as UserDto;
    expect(confirmed).toMatchObject({ active: true, pendingChange: null });
    expect((await login(created.email, created.password)).status).toBe(200);
    // nothing left to confirm
    expect((await confirm(admin3, created.user.id).expect(409)).body.code).toBe(
      'NO_PENDING_CHANGE',
    );
  });

  it('an administrator whose password the issuer chose never approves that issuer’s statements — even after changing it, and down a chain of accounts', async () => {
    const created = await newUser(admin, 'ADMIN');
    await confirm(admin2, created.user.id).expect(200);
    const a2 = await t.login(created.email, created.password);
    const mine = await issuedBy(admin);
    expect((await approve(a2, mine).expect(403)).body.code).toBe('FOUR_EYES_REQUIRED');
    // changing its own password does not cut the link (the issuer could have done it)
    const changed = `changed-${randomUUID()}`;
    await request(t.http)
      .patch(`/api/users/${created.user.id}`)
      .set(as(a2))
      .send({ password: changed })
      .expect(200);
    const a2again = await t.login(created.email, changed);
    expect((await approve(a2again, mine).expect(403)).body.code).toBe('FOUR_EYES_REQUIRED');
    const setters = await t.dataSource.query<{ set_by: string }[]>(
      `SELECT set_by FROM password_setter WHERE user_id = $1`,
      [created.user.id],
    );
    expect(setters).toHaveLength(1);
    // the chain: an agent created by that account issues; the first administrator cannot approve
    const agent = await newUser(a2again, 'AGENT');
    const g = await t.login(agent.email, agent.password);
    const byAgent = await issuedBy(g);
    expect((await approve(admin, byAgent).expect(403)).body.code).toBe('FOUR_EYES_REQUIRED');
    await approve(admin2, byAgent).expect(200);
  });

  it('an agent the administrator created issues; that administrator cannot approve, another can', async () => {
    const agent = await newUser(admin, 'AGENT');
    expect(agent.user.active).toBe(true); // no confirmation for an agent: it cannot approve
    const g = await t.login(agent.email, agent.password);
    const s = await issuedBy(g);
    expect((await approve(admin, s).expect(403)).body.code).toBe('FOUR_EYES_REQUIRED');
    await approve(admin2, s).expect(200);
  });

  it('resetting an agent’s password makes its statements the resetter’s', async () => {
    const agent = await newUser(admin2, 'AGENT');
    const before = await issuedBy((await login(agent.email, agent.password)).body.accessToken);
    const password = `reset-${randomUUID()}`;
    await request(t.http)
      .patch(`/api/users/${agent.user.id}`)
      .set(as(admin))
      .send({ password })
      .expect(200);
    const g = await t.login(agent.email, password);
    const after = await issuedBy(g);
    expect((await approve(admin, after).expect(403)).body.code).toBe('FOUR_EYES_REQUIRED');
    // and the statement issued before the reset too: the link is the account's, now
    expect((await approve(admin, before).expect(403)).body.code).toBe('FOUR_EYES_REQUIRED');
    await approve(admin3, after).expect(200);
  });

  it('a later reset by someone else does not wash out an earlier one: who ever chose a password never approves that account’s statements', async () => {
    const agent = await newUser(admin2, 'AGENT');
    const mine = `mine-${randomUUID()}`;
    await request(t.http)
      .patch(`/api/users/${agent.user.id}`)
      .set(as(admin))
      .send({ password: mine })
      .expect(200);
    const s = await issuedBy(await t.login(agent.email, mine));
    // the agent, locked out, asks a colleague for a new password
    await request(t.http)
      .patch(`/api/users/${agent.user.id}`)
      .set(as(admin3))
      .send({ password: `theirs-${randomUUID()}` })
      .expect(200);
    expect((await approve(admin, s).expect(403)).body.code).toBe('FOUR_EYES_REQUIRED');
    // and the history cannot be rewritten
    await expect(
      t.dataSource.query(`DELETE FROM password_setter WHERE user_id = $1`, [agent.user.id]),
    ).rejects.toThrow(/append-only/);
  });

  it('a deactivated administrator’s pending password reset is withdrawn, and a confirmed reset never re-activates', async () => {
    const target = await t.userToken('ADMIN');
    await request(t.http)
      .patch(`/api/users/${target.id}`)
      .set(as(admin))
      .send({ password: `pending-${randomUUID()}` })
      .expect(200);
    await request(t.http)
      .patch(`/api/users/${target.id}`)
      .set(as(admin2))
      .send({ active: false })
      .expect(200);
    expect((await confirm(admin3, target.id).expect(409)).body.code).toBe('NO_PENDING_CHANGE');
    expect(
      ((await request(t.http).get(`/api/users/${target.id}`).set(as(admin2))).body as UserDto)
        .active,
    ).toBe(false);
  });

  it('another administrator’s password reset waits for a third administrator; until then the old password is the one that works', async () => {
    const target = await t.userToken('ADMIN', { email: `target-${randomUUID()}@sod.test` });
    const newPassword = `taken-over-${randomUUID()}`;
    const reset = (
      await request(t.http)
        .patch(`/api/users/${target.id}`)
        .set(as(admin))
        .send({ password: newPassword })
        .expect(200)
    ).body as UserDto;
    expect(reset.pendingChange).toMatchObject({ kind: 'ADMIN_PASSWORD_RESET' });
    expect((await login(target.email, newPassword)).status).toBe(401);
    // its previous sessions are still valid: nothing changed yet
    await request(t.http).get('/api/users').set(as(target.token)).expect(200);
    // neither the requester nor the account concerned confirms
    expect((await confirm(admin, target.id).expect(403)).body.code).toBe('SECOND_ADMIN_REQUIRED');
    expect((await confirm(target.token, target.id).expect(403)).body.code).toBe(
      'SECOND_ADMIN_REQUIRED',
    );
    // a second request while one waits
    const twice = await request(t.http)
      .patch(`/api/users/${target.id}`)
      .set(as(admin))
      .send({ password: `again-${randomUUID()}` })
      .expect(409);
    expect(twice.body.code).toBe('ACCOUNT_CHANGE_PENDING');
    await confirm(admin3, target.id).expect(200);
    const taken = await t.login(target.email, newPassword);
    // its old sessions are revoked, and what the requester issues it never approves
    await request(t.http).get('/api/users').set(as(target.token)).expect(401);
    expect((await approve(taken, await issuedBy(admin)).expect(403)).body.code).toBe(
      'FOUR_EYES_REQUIRED',
    );
  });

  it('re-activating an administrator waits for a second one; a withdrawn request applies nothing', async () => {
    const target = await t.userToken('ADMIN');
    await request(t.http)
      .patch(`/api/users/${target.id}`)
      .set(as(admin))
      .send({ active: false })
      .expect(200);
    await request(t.http).get('/api/users').set(as(target.token)).expect(401);
    const back = (
      await request(t.http)
        .patch(`/api/users/${target.id}`)
        .set(as(admin))
        .send({ active: true })
        .expect(200)
    ).body as UserDto;
    expect(back).toMatchObject({ active: false, pendingChange: { kind: 'ADMIN_REACTIVATION' } });
    await request(t.http).post(`/api/users/${target.id}/change/cancel`).set(as(admin)).expect(200);
    expect((await confirm(admin2, target.id).expect(409)).body.code).toBe('NO_PENDING_CHANGE');
    expect(
      ((await request(t.http).get(`/api/users/${target.id}`).set(as(admin2))).body as UserDto)
        .active,
    ).toBe(false);
    await request(t.http)
      .patch(`/api/users/${target.id}`)
      .set(as(admin))
      .send({ active: true })
      .expect(200);
    await confirm(admin2, target.id).expect(200);
  });

  it('new bank details of an association need its bank-details document and wait for a second administrator: one person alone never redirects its reimbursements', async () => {
    const asso = await createAssociation(t);
    const mine = 'FR7630001007941234567890185';
    const rib = Buffer.from('%PDF-1.4\n% RIB de la structure\n%%EOF\n');
    const ask = (token: string, iban: string, file?: { content: Buffer; name: string }) => {
      const req = request(t.http)
        .post(`/api/associations/${asso.id}/bank-details`)
        .set(as(token))
        .field('iban', iban);
      return file ? req.attach('file', file.content, file.name) : req;
    };
    // not through the association's update, not without the document, not with a fake one
    const patched = await request(t.http)
      .patch(`/api/associations/${asso.id}`)
      .set(as(admin))
      .send({ iban: mine, phone: '0561000000' })
      .expect(422);
    expect(patched.body.code).toBe('BANK_DETAILS_DOCUMENT_REQUIRED');
    const without = await ask(admin, mine).expect(400);
    expect(without.body.errors).toEqual([
      {
        field: 'file',
        message: 'the bank-details document (file) is required',
        fr: 'est obligatoire',
      },
    ]);
    const fake = await ask(admin, mine, { content: Buffer.from('<html>'), name: 'rib.pdf' }).expect(
      400,
    );
    expect(fake.body.errors[0].field).toBe('file');
    // the rest of an update applies at once
    await request(t.http)
      .patch(`/api/associations/${asso.id}`)
      .set(as(admin))
      .send({ iban: asso.iban as string, phone: '0561000000' })
      .expect(200);
    const asked = (await ask(admin, mine, { content: rib, name: 'RIB structure.pdf' }).expect(201))
      .body as {
      iban: string;
      phone: string;
      pendingBankDetails: { iban: string; documentSha256: string };
    };
    expect(asked).toMatchObject({ iban: asso.iban, phone: '0561000000' });
    expect(asked.pendingBankDetails).toMatchObject({
      iban: mine,
      documentSha256: createHash('sha256').update(rib).digest('hex'),
    });
    const twice = await ask(admin, 'FR7630006000011234567890189', {
      content: rib,
      name: 'rib.pdf',
    }).expect(409);
    expect(twice.body.code).toBe('BANK_DETAILS_CHANGE_PENDING');
    const self = await request(t.http)
      .post(`/api/associations/${asso.id}/bank-details/confirm`)
      .set(as(admin))
      .expect(403);
    expect(self.body.code).toBe('FOUR_EYES_REQUIRED');
    // the second administrator reads the document before confirming
    const [pending] = (
      await request(t.http)
        .get(`/api/associations/${asso.id}/bank-details`)
        .set(as(admin2))
        .expect(200)
    ).body as { id: string; status: string }[];
    const doc = await request(t.http)
      .get(`/api/associations/${asso.id}/bank-details/${pending.id}/document`)
      .set(as(admin2))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(doc.headers['content-type']).toBe('application/pdf');
    expect(doc.headers['content-disposition']).toMatch(/^attachment;/);
    expect((doc.body as Buffer).equals(rib)).toBe(true);
    const confirmed = (
      await request(t.http)
        .post(`/api/associations/${asso.id}/bank-details/confirm`)
        .set(as(admin2))
        .expect(200)
    ).body as { iban: string; pendingBankDetails: unknown };
    expect(confirmed).toMatchObject({ iban: mine, pendingBankDetails: null });
    // a withdrawn request applies nothing
    await ask(admin2, asso.iban as string, {
      content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]),
      name: 'rib.png',
    }).expect(201);
    await request(t.http)
      .post(`/api/associations/${asso.id}/bank-details/cancel`)
      .set(as(admin))
      .expect(200);
    const after = (
      await request(t.http).get(`/api/associations/${asso.id}`).set(as(admin)).expect(200)
    ).body as { iban: string; pendingBankDetails: unknown };
    expect(after).toMatchObject({ iban: mine, pendingBankDetails: null });
    // every version kept: who asked, who decided, on which document
    const history = (
      await request(t.http)
        .get(`/api/associations/${asso.id}/bank-details`)
        .set(as(admin))
        .expect(200)
    ).body as { status: string; documentType: string; decidedBy: string }[];
    expect(history.map((h) => [h.status, h.documentType])).toEqual([
      ['CANCELLED', 'image/png'],
      ['CONFIRMED', 'application/pdf'],
    ]);
  });

  it('every way around is on the audit record', async () => {
    const actions = (
      await t.dataSource.query<{ action: string }[]>(
        `SELECT DISTINCT action FROM audit_event WHERE action LIKE 'user.change_%' OR action LIKE 'association.bank_details_%'`,
      )
    ).map((r) => r.action);
    expect(actions.sort()).toEqual([
      'association.bank_details_cancelled',
      'association.bank_details_confirmed',
      'association.bank_details_requested',
      'user.change_cancelled',
      'user.change_confirmed',
      'user.change_requested',
    ]);
  });

  it('offers each person only the actions the rules allow them (the pages read `actions`, never re-derive them)', async () => {
    const actionsOf = async (token: string, path: string) =>
      (await request(t.http).get(path).set(as(token)).expect(200)).body.actions as string[];
    const statement = await issuedBy(admin);
    const path = `/api/statements/${statement.id}`;
    expect(statement.actions).toEqual([]);
    expect(await actionsOf(admin, path)).toEqual([]);
    expect(await actionsOf(admin2, path)).toEqual(['APPROVE']);
    await approve(admin2, statement).expect(200);
    expect(await actionsOf(admin, path)).toEqual(['MARK_PAID']);
    // waiting in a batch not yet approved, it cannot be paid by hand
    const batch = await request(t.http)
      .post('/api/payment-batches')
      .set(as(admin))
      .send({ statementIds: [statement.id] })
      .expect(201);
    expect(await actionsOf(admin, path)).toEqual([]);
    expect(batch.body.actions).toEqual(['CANCEL']);
    expect(await actionsOf(admin2, `/api/payment-batches/${batch.body.id}`)).toEqual([
      'APPROVE',
      'CANCEL',
    ]);
  });
});
