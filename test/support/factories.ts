import request from 'supertest';
import { randomUUID } from 'node:crypto';
import type { BookletDto } from '../../src/booklets/dto/booklet.dto';
import { parisToday } from '../../src/common/dates';
import type { StatementDto } from '../../src/statements/dto/statement.dto';
import type { TestApp } from './app';

/**
 * The one fixture builder, through the service's own API: on an app of the test (a TestApp) or
 * on a running service at a URL (the reliability suite and the benchmarks, see world.ts).
 */
export interface Target {
  /** The app's HTTP server, or a running service's URL (supertest takes either). */
  http: Parameters<typeof request>[0];
  adminToken(): Promise<string>;
}

let siretSeq = 0;

/** A valid SIRET (Luhn), different on each call. */
export function fakeSiret(): string {
  const base = `9${String(Date.now() % 1e8).padStart(8, '0')}${String(++siretSeq % 1e4).padStart(4, '0')}`;
  for (let d = 0; d <= 9; d++) {
    const candidate = base + d;
    let sum = 0;
    for (let i = 0; i < 14; i++) {
      let digit = Number(candidate[13 - i]);
      if (i % 2 === 1) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

export const IBAN = 'FR7630006000011234567890189';

export async function createProgramme(
  t: Target,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; [k: string]: unknown }> {
  const year = new Date().getFullYear();
  const res = await request(t.http)
    .post('/api/programmes')
    .set('Authorization', `Bearer ${await t.adminToken()}`)
    .send({
      name: `Pass numérique ${year}`,
      departementCode: '31',
      departementName: 'Haute-Garonne',
      validFrom: `${year}-01-01`,
      expiresOn: `${year + 1}-12-31`,
      claimDeadline: `${year + 2}-02-28`,
      budgetCents: 10_000_000,
      activities: [
        "Prise en main d'un ordinateur",
        'Démarches administratives en ligne',
        'Smartphone',
      ],
      budgetChapter: '65',
      budgetArticle: '6574',
      budgetFunction: '58',
      legalBasis: 'Délibération n° CP-2026-041 de la commission permanente',
      legalBasisDate: `${year}-01-15`,
      ...overrides,
    });
  if (res.status !== 201) throw new Error(`programme: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createAssociation(
  t: Target,
  overrides: Record<string, unknown> = {},
  accredit: { validFrom: string; validUntil: string } | false = {
    validFrom: `${new Date().getFullYear() - 1}-01-01`,
    validUntil: `${new Date().getFullYear() + 1}-12-31`,
  },
): Promise<{ id: string; [k: string]: unknown }> {
  const admin = await t.adminToken();
  const res = await request(t.http)
    .post('/api/associations')
    .set('Authorization', `Bearer ${admin}`)
    .send({
      name: 'Les Connectés du Mirail',
      siret: fakeSiret(),
      address: '12 allée de Bellefontaine',
      postalCode: '31100',
      city: 'Toulouse',
      email: 'contact@connectes.example',
      iban: IBAN,
      bic: 'AGRIFRPP',
      activities: ['Smartphone'],
      ...overrides,
    });
  if (res.status !== 201) throw new Error(`association: ${res.status} ${JSON.stringify(res.body)}`);
  if (accredit) {
    await request(t.http)
      .post(`/api/associations/${res.body.id}/accreditations`)
      .set('Authorization', `Bearer ${admin}`)
      .send(accredit)
      .expect(201);
  }
  return res.body;
}

export async function issueBooklet(
  t: Target,
  programmeId: string,
  beneficiary?: Record<string, unknown>,
): Promise<BookletDto> {
  const res = await request(t.http)
    .post('/api/booklets')
    .set('Authorization', `Bearer ${await t.adminToken()}`)
    .send({ programmeId, ...(beneficiary ? { beneficiary } : {}) });
  if (res.status !== 201) throw new Error(`booklet: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * A statement issued by `issuer` for a new association: `count` cheques of a new booklet redeemed
 * today, claimed, submitted, issued.
 */
export async function issuedStatement(
  t: TestApp,
  programmeId: string,
  issuer: string,
  options: { count?: number; name?: string } = {},
): Promise<StatementDto> {
  const asso = await createAssociation(t, options.name ? { name: options.name } : {});
  const staff = {
    Authorization: `Bearer ${(await t.userToken('ASSOCIATION', { associationId: asso.id })).token}`,
  };
  const codes = (await issueBooklet(t, programmeId)).cheques.map((c) => c.code);
  await request(t.http)
    .post('/api/redemptions')
    .set(staff)
    .set('Idempotency-Key', randomUUID())
    .send({
      codes: codes.slice(0, options.count ?? 1),
      activity: 'Smartphone',
      sessionDate: parisToday(),
    })
    .expect(201);
  const claim = (
    await request(t.http).post('/api/claims').set(staff).send({ upTo: parisToday() }).expect(201)
  ).body as { id: string };
  await request(t.http).post(`/api/claims/${claim.id}/submit`).set(staff).expect(200);
  return (
    await request(t.http)
      .post(`/api/claims/${claim.id}/issue`)
      .set('Authorization', `Bearer ${issuer}`)
      .expect(201)
  ).body as StatementDto;
}

let siteSeq = 0;

/** A distribution site (lieu de remise), with a unique name. */
export async function createSite(
  t: Target,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; name: string; [k: string]: unknown }> {
  const res = await request(t.http)
    .post('/api/distribution-sites')
    .set('Authorization', `Bearer ${await t.adminToken()}`)
    .send({
      name: `CCAS de Muret ${++siteSeq}-${Date.now() % 1e6}`,
      kind: 'CCAS',
      address: '12 place de la République',
      postalCode: '31600',
      city: 'Muret',
      phone: '05 61 00 00 00',
      ...overrides,
    });
  if (res.status !== 201) throw new Error(`site: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A print run of `count` booklets, stock of `siteId` (a new site when not given). */
export async function printRun(
  t: Target,
  programmeId: string,
  count: number,
  siteId?: string,
): Promise<{ id: string; siteId: string; firstNumber: string; lastNumber: string }> {
  const site = siteId ?? (await createSite(t)).id;
  const res = await request(t.http)
    .post('/api/booklets/batches')
    .set('Authorization', `Bearer ${await t.adminToken()}`)
    .send({ programmeId, count, siteId: site });
  if (res.status !== 201) throw new Error(`print run: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Hands a booklet of stock to a beneficiary (postal code 31600 unless given). */
export async function handOver(
  t: Target,
  bookletId: string,
  beneficiary: Record<string, unknown> = { postalCode: '31600' },
  token?: string,
): Promise<BookletDto> {
  const res = await request(t.http)
    .post(`/api/booklets/${bookletId}/handover`)
    .set('Authorization', `Bearer ${token ?? (await t.adminToken())}`)
    .send({ beneficiary });
  if (res.status !== 200) throw new Error(`handover: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.booklet;
}
