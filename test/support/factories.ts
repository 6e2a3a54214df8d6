import request from 'supertest';
import type { BookletDto } from '../../src/booklets/dto/booklet.dto';
import type { TestApp } from './app';

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
  t: TestApp,
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
      ...overrides,
    });
  if (res.status !== 201) throw new Error(`programme: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createAssociation(
  t: TestApp,
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
  t: TestApp,
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
