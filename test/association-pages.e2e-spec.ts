import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday, shiftDay } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, issueBooklet } from './support/factories';

const CANCEL_DAYS = 3;

/**
 * The association's redemptions page offers "Annuler" exactly when the service would accept the
 * cancellation: the same rule (Paris days, not claimed), read from the API's `cancellableUntil`.
 * The page once computed it from the UTC day of creation and ignored claims: a redemption made at
 * 00:30 Paris time lost its button a day early, and a claimed one kept it.
 */
describe('Association pages: the cancel button follows the service’s rule', () => {
  let t: TestApp;
  let staff: string;
  const today = parisToday();

  beforeAll(async () => {
    t = await createTestApp({ env: { REDEMPTION_CANCEL_DAYS: String(CANCEL_DAYS) } });
    const programme = await createProgramme(t);
    const association = await createAssociation(t);
    staff = (await t.userToken('ASSOCIATION', { associationId: association.id })).token;
    booklet = await issueBooklet(t, programme.id);
  });
  afterAll(() => t.close());

  let booklet: Awaited<ReturnType<typeof issueBooklet>>;
  let next = 0;
  const redeem = async (): Promise<string> => {
    const res = await request(t.http)
      .post('/api/redemptions')
      .set('Authorization', `Bearer ${staff}`)
      .set('Idempotency-Key', randomUUID())
      .send({ codes: [booklet.cheques[next++].code], activity: 'Smartphone', sessionDate: today })
      .expect(201);
    return res.body.id as string;
  };
  /** Dates the redemption's creation at `time` (Paris) on the Paris day `day`. */
  const createdAt = (id: string, day: string, time: string) =>
    t.dataSource.query(
      `UPDATE redemption SET created_at = ($1::date + $2::time) AT TIME ZONE 'Europe/Paris' WHERE id = $3`,
      [day, time, id],
    );
  const page = async () =>
    (
      await request(t.http)
        .get('/structure/encaissements')
        .set('Cookie', `pn_session=${staff}`)
        .set('Accept', 'text/html')
        .expect(200)
    ).text;
  const offersCancel = (html: string, id: string) =>
    html.includes(`action="/structure/encaissements/${id}/annuler"`);
  const cancel = (id: string) =>
    request(t.http)
      .post(`/api/redemptions/${id}/cancel`)
      .set('Authorization', `Bearer ${staff}`)
      .send({ reason: 'Erreur de saisie' });

  it('made at 00:30 Paris time on the first day of the delay: offered, and accepted', async () => {
    // 00:30 in Paris is 22:30 or 23:30 UTC the day before: the UTC day is one day earlier.
    const id = await redeem();
    await createdAt(id, shiftDay(today, -CANCEL_DAYS), '00:30');
    const listed = await request(t.http)
      .get(`/api/redemptions?status=ACTIVE`)
      .set('Authorization', `Bearer ${staff}`)
      .expect(200);
    expect(listed.body.items.find((r: { id: string }) => r.id === id).cancellableUntil).toBe(today);
    const html = await page();
    expect(offersCancel(html, id)).toBe(true);
    expect(html).toContain(`Annulable jusqu’au ${today.split('-').reverse().join('/')}.`);
    await cancel(id).expect(200);
  });

  it('made at 23:30 Paris time the day before the delay: not offered, and refused', async () => {
    const id = await redeem();
    await createdAt(id, shiftDay(today, -CANCEL_DAYS - 1), '23:30');
    expect(offersCancel(await page(), id)).toBe(false);
    const refused = await cancel(id).expect(409);
    expect(refused.body.code).toBe('CANCELLATION_DELAY_PASSED');
  });

  it('taken by a claim: not offered, and refused', async () => {
    const id = await redeem();
    expect(offersCancel(await page(), id)).toBe(true);
    await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${staff}`)
      .send({ upTo: today })
      .expect(201);
    expect(offersCancel(await page(), id)).toBe(false);
    const refused = await cancel(id).expect(409);
    expect(refused.body.code).toBe('REDEMPTION_CLAIMED');
  });
});
