import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { Client } from 'pg';
import { parisToday, shiftDay } from '../../src/common/dates';
import { AxeFinding, axeFindings } from '../support/axe';
import { launchChromium, signInPage } from '../support/browser';
import { createTestDatabase } from '../support/database';
import { inspectPdf } from '../support/pdf';
import { ServiceProcess, startService } from '../support/service-process';
import {
  api,
  BENCH_ADMIN,
  BENCH_STAFF,
  benchEnv,
  BenchWorld,
  benchWorld,
  createAdminOnServer,
} from '../support/world';

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const BASE_URL = 'http://pass.test';
const ADMIN2 = { email: 'admin2@test.local', password: 'second-admin-password' };
const AGENT = { email: 'agent@test.local', password: 'agent-password-long' };
const TODAY = parisToday(); // the service's day (Europe/Paris), not UTC's
const frenchToday = TODAY.split('-').reverse().join('/');

/**
 * The web interface in a real browser (Debian's chromium, headless, driven by playwright-core):
 * an agent issues a booklet and downloads its PDF; association staff scan a cheque through a fake
 * camera fed with that PDF's QR code and redeem it; a typo and a second redemption are refused in
 * French; the public page says the cheque is used; administrators issue and approve the statement.
 * Screenshots of the main pages (desktop and 360 px) go to test/artifacts/.
 */
describe('Web interface in a browser', () => {
  let service: ServiceProcess;
  let world: BenchWorld;
  let browser: Browser | undefined;
  const work = mkdtempSync(join(tmpdir(), 'pn-browser-'));
  const video = join(work, 'cheque.y4m');
  let pdfPath = '';
  let qrText = '';
  let code = '';
  let dbUrl = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const db = await createTestDatabase('web');
    dbUrl = db;
    const env = benchEnv(db, {
      PUBLIC_BASE_URL: BASE_URL,
      PAYER_IBAN: 'FR7630001007941234567890185',
      LOG_LEVEL: 'warn',
      LOOKUP_FAILURE_LIMIT: '1000',
    });
    service = await startService(env, { compiled: true });
    world = await benchWorld(service.url, 0);
    createAdminOnServer(env, ADMIN2);
    await api(service.url, '/api/users', world.admin, { ...AGENT, role: 'AGENT' });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  const launch = async () => {
    await browser?.close();
    browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    return browser;
  };

  /** Script errors on any page fail the test. */
  const scriptErrors: string[] = [];
  afterEach(() => expect(scriptErrors.splice(0)).toEqual([]));

  /** A fresh browser in French, Paris time; script errors are collected. */
  async function newContext(options: Parameters<Browser['newContext']>[0]) {
    const context = await (
      await launch()
    ).newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', ...options });
    context.on('weberror', (e) => scriptErrors.push(String(e.error())));
    return context;
  }

  const signIn = (context: BrowserContext, who: { email: string; password: string }) =>
    signInPage(context, service.url, who);

  /** Accessibility findings (axe-core, WCAG 2.1 AA) on the states shot: any fails the test. */
  const axe: AxeFinding[] = [];
  afterEach(() => expect(axe.splice(0)).toEqual([]));

  async function shoot(page: Page, name: string) {
    await page.screenshot({ path: join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
    axe.push(...(await axeFindings(page, name)));
    const size = page.viewportSize();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-360.png`), fullPage: true });
    axe.push(...(await axeFindings(page, name)));
    if (size) await page.setViewportSize(size);
  }

  it('an agent issues a booklet and downloads its PDF at once', async () => {
    const context = await newContext({
      acceptDownloads: true,
      viewport: { width: 1280, height: 800 },
    });
    const page = await signIn(context, AGENT);
    expect(page.url()).toBe(`${service.url}/agent`);
    await expect(page.getByRole('heading', { name: 'Tableau de bord' }).isVisible()).resolves.toBe(
      true,
    );
    await shoot(page, 'agent-dashboard');

    await page.goto(`${service.url}/agent/carnets/nouveau`);
    await shoot(page, 'agent-issue');
    await page.getByLabel('Code postal du bénéficiaire').fill('31100');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /Créer le carnet/ }).click();
    const pdf = await download;
    pdfPath = join(work, 'booklet.pdf');
    await pdf.saveAs(pdfPath);
    expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
    await expect(page.getByText('Carnet créé.').isVisible()).resolves.toBe(true);
    await shoot(page, 'agent-booklet');

    // The fake camera's video: the first cheque's QR, cut out of the downloaded PDF.
    const inspection = await inspectPdf(readFileSync(pdfPath));
    // page 0 is the cover, with the booklet's own QR code; the cheques follow
    const page1 = inspection.codes.findIndex((c) => c.some((q) => /\/C\//.test(q.text)));
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(__dirname, '..', 'tools', 'qr-video.mjs'),
      pdfPath,
      String(page1),
      video,
    ]);
    qrText = (JSON.parse(stdout) as { text: string }).text;
    // printed in upper case: the QR alphanumeric mode
    expect(qrText.startsWith(`${BASE_URL.toUpperCase()}/C/`)).toBe(true);
    code = qrText.slice(`${BASE_URL}/c/`.length);
    await context.close();
  });

  it('association staff scan the cheque with the camera and redeem it; a typo and a second try are refused in French', async () => {
    const context = await newContext({
      viewport: { width: 360, height: 740 },
      permissions: ['camera'],
    });
    const page = await signIn(context, BENCH_STAFF);
    expect(page.url()).toBe(`${service.url}/structure/encaisser`);
    await page.getByRole('button', { name: 'Activer la caméra' }).click();
    await page.locator('#basket li').first().waitFor({ timeout: 30_000 });
    await expect(page.locator('#basket li').count()).resolves.toBe(1);
    await expect(page.locator('#basket-total').textContent()).resolves.toMatch(/10,00\s€/);
    await page.screenshot({ path: join(ARTIFACTS, 'association-scan-360.png'), fullPage: true });
    await page.getByRole('button', { name: 'Encaisser' }).click();
    await expect(
      page.locator('#redeem-result').filter({ hasText: '1 chèque encaissé' }).waitFor(),
    ).resolves.toBeUndefined();

    // A wrong check character is flagged while typing.
    const wrongCheck = code.slice(0, 13) + (code[13] === '0' ? '1' : '0');
    await page.getByLabel(/Code du chèque/).fill(wrongCheck);
    await page.locator('#code-message').filter({ hasText: 'faute de frappe' }).waitFor();
    await expect(page.getByLabel(/Code du chèque/).getAttribute('aria-invalid')).resolves.toBe(
      'true',
    );

    // The same cheque again: refused with the date it was redeemed.
    await page.getByLabel(/Code du chèque/).fill(code);
    await page.getByRole('button', { name: 'Ajouter' }).click();
    await page
      .locator('#code-message')
      .filter({ hasText: `Ce chèque a déjà été encaissé le ${frenchToday}.` })
      .waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({
      path: join(ARTIFACTS, 'association-scan-desktop.png'),
      fullPage: true,
    });

    await page.goto(`${service.url}/structure/encaissements`);
    await expect(page.getByRole('cell', { name: 'Smartphone' }).first().isVisible()).resolves.toBe(
      true,
    );
    await shoot(page, 'association-redemptions');

    // The claim for the reimbursement, made and sent from the association's page.
    await page.goto(`${service.url}/structure/demandes`);
    await page.getByRole('button', { name: 'Préparer une demande' }).click();
    // Review the claim: the redeemed cheque is on it; then send it.
    await page.getByRole('link', { name: frenchToday }).click();
    await page.getByText(code.match(/.{1,4}/g)!.join('-')).waitFor();
    await shoot(page, 'association-claim');
    await page.getByRole('button', { name: 'Transmettre au département' }).click();
    await page.getByText('La demande est transmise au département.').waitFor();
    await shoot(page, 'association-claims');
    await context.close();
  });

  it('the public page of the cheque says it is used', async () => {
    const context = await newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(service.url + qrText.slice(BASE_URL.length)); // /C/CODE: any case
    await page.getByText('Ce chèque a déjà été utilisé.').waitFor();
    await shoot(page, 'public-cheque');
    await page.goto(`${service.url}/structures?q=31000`);
    await page.getByRole('heading', { name: 'Bench' }).waitFor();
    await shoot(page, 'public-structures');
    await context.close();
  });

  it('administrators issue the statement with that cheque, and another approves it (four eyes)', async () => {
    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, BENCH_ADMIN);
    await page.goto(`${service.url}/admin/etats`);
    await shoot(page, 'admin-statements-before');
    // irreversible: the button submits only once the confirmation is ticked
    await page.getByLabel(/Je confirme : l'état émis ne pourra plus être modifié/).check();
    await page.getByRole('button', { name: "Émettre l'état" }).click();
    await page.getByText("L'état de remboursement est émis.").waitFor();
    const number = `ER-${TODAY.slice(0, 4)}-00001`;
    await page.getByRole('cell', { name: number }).waitFor();
    // The issuer cannot approve their own statement: the page does not offer it (the statement's
    // `actions` say so), and the API refuses it.
    await expect(page.getByRole('button', { name: 'Approuver' }).count()).resolves.toBe(0);
    const own = await api<{ items: { id: string }[] }>(service.url, '/api/statements', world.admin);
    const refused = await fetch(`${service.url}/api/statements/${own.items[0].id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.admin}` },
    });
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([
      403,
      'FOUR_EYES_REQUIRED',
    ]);
    await context.close();

    const other = await newContext({ viewport: { width: 1280, height: 800 } });
    const page2 = await signIn(other, ADMIN2);
    await page2.goto(`${service.url}/admin/etats`);
    await page2.getByRole('button', { name: 'Approuver' }).click();
    await page2.getByText("L'état est approuvé.").waitFor();
    await expect(page2.getByRole('cell', { name: 'Approuvé' }).isVisible()).resolves.toBe(true);
    await shoot(page2, 'admin-statements');

    const statements = await api<{
      items: { number: string; status: string; totalCents: number; id: string }[];
    }>(service.url, '/api/statements', world.admin);
    expect(statements.items).toEqual([
      expect.objectContaining({ number, status: 'APPROVED', totalCents: 1000 }),
    ]);
    const detail = await api<{ lines: { bookletNumber: string; chequePosition: number }[] }>(
      service.url,
      `/api/statements/${statements.items[0].id}`,
      world.admin,
    );
    expect(detail.lines).toHaveLength(1);

    for (const [path, name] of [
      ['/agent/statistiques', 'agent-stats'],
      ['/admin/structures', 'admin-associations'],
      ['/admin/utilisateurs', 'admin-users'],
      ['/admin/journal', 'admin-audit'],
      ['/agent/lots', 'agent-batches'],
      ['/agent/carnets', 'agent-booklets'],
    ]) {
      await page2.goto(`${service.url}${path}`);
      await shoot(page2, name);
    }
    await page2.goto(`${service.url}/agent/statistiques`);
    await expect(page2.locator('#chart-monthly').isVisible()).resolves.toBe(true);
    await expect(page2.getByText('Carnets remis').first().isVisible()).resolves.toBe(true);
    // The payment batch: prepared by one administrator, approved by the other, then its files.
    await page2.goto(`${service.url}/admin/etats`);
    await page2.getByRole('button', { name: 'Préparer un bordereau' }).click();
    await page2.getByText('Le bordereau est préparé').waitFor();
    // Its preparer is not offered its approval.
    const batchRow = page2.getByRole('row', { name: /BP-\d{4}-0001/ });
    await expect(batchRow.getByRole('button', { name: 'Approuver' }).count()).resolves.toBe(0);
    await other.close();
    const third = await newContext({ viewport: { width: 1280, height: 800 } });
    const page3 = await signIn(third, BENCH_ADMIN);
    await page3.goto(`${service.url}/admin/etats`);
    await page3
      .getByRole('row', { name: /BP-\d{4}-0001/ })
      .getByRole('button', { name: 'Approuver' })
      .click();
    await page3.getByText('Le bordereau est approuvé').waitFor();
    await page3.getByRole('link', { name: 'Virement SEPA pour une régie (XML)' }).waitFor();
    await page3.getByRole('link', { name: 'Mandats (CSV)' }).waitFor();
    await page3.getByRole('link', { name: 'Pièces justificatives (ZIP)' }).waitFor();
    await shoot(page3, 'admin-payment-batches');
    // sent to the finance department, then its payments read back from the results file
    await page3.getByRole('button', { name: 'Marquer envoyé aux finances' }).click();
    await page3.getByText('Le bordereau est marqué envoyé aux finances').waitFor();
    await page3.getByRole('link', { name: 'Importer les paiements' }).click();
    await page3
      .getByLabel('Fichier des paiements exporté du logiciel financier (CSV)')
      .setInputFiles({
        name: 'paiements.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          `numero_etat;numero_mandat;montant;date_paiement\r\n${number};M-2026-000777;10,00;${frenchToday}\r\n`,
        ),
      });
    await page3.getByRole('button', { name: 'Vérifier le fichier' }).click();
    await page3.getByText('Le fichier est conforme. 1 paiement à enregistrer').waitFor();
    await shoot(page3, 'admin-payment-results-preview');
    await page3.getByRole('button', { name: 'Enregistrer ces paiements' }).click();
    await page3.getByText('Les paiements du fichier sont enregistrés.').waitFor();
    await expect(page3.getByText('mandat M-2026-000777').isVisible()).resolves.toBe(true);
    await shoot(page3, 'admin-payment-batches-paid');
    await third.close();
    // the association follows its money
    const staff = await newContext({ viewport: { width: 1280, height: 800 } });
    const page4 = await signIn(staff, BENCH_STAFF);
    await page4.goto(`${service.url}/structure/paiements`);
    await page4.getByText(/Payé le .* \(mandat M-2026-000777\)/).waitFor();
    await shoot(page4, 'association-payments');
    await staff.close();
  });

  it('a prescriber hands out a booklet of their site by scanning its cover QR, prints the letter, and the cover page shows it', async () => {
    const site = await api<{ id: string }>(service.url, '/api/distribution-sites', world.admin, {
      name: 'France Services de Muret',
      kind: 'FRANCE_SERVICES',
      address: '2 avenue Vincent Auriol',
      postalCode: '31600',
      city: 'Muret',
      phone: '05 61 51 00 00',
    });
    const prescriber = { email: 'prescriber@test.local', password: 'prescriber-password-long' };
    await api(service.url, '/api/users', world.admin, {
      ...prescriber,
      role: 'PRESCRIBER',
      siteIds: [site.id],
      displayName: 'Camille Roux',
    });
    const run = await api<{ id: string; firstNumber: string }>(
      service.url,
      '/api/booklets/batches',
      world.admin,
      { programmeId: world.programmeId, count: 2, siteId: site.id },
    );
    const res = await fetch(`${service.url}/api/booklets/batches/${run.id}/pdf`, {
      headers: { authorization: `Bearer ${world.admin}` },
    });
    const batchPdf = join(work, 'batch.pdf');
    writeFileSync(batchPdf, Buffer.from(await res.arrayBuffer()));
    // the fake camera now shows the first booklet's cover
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(__dirname, '..', 'tools', 'qr-video.mjs'),
      batchPdf,
      '0',
      video,
    ]);
    const coverText = (JSON.parse(stdout) as { text: string }).text;
    expect(coverText.startsWith(`${BASE_URL.toUpperCase()}/CARNET/`)).toBe(true);

    const context = await newContext({
      viewport: { width: 360, height: 740 },
      permissions: ['camera'],
      acceptDownloads: true,
    });
    const page = await signIn(context, prescriber);
    expect(page.url()).toBe(`${service.url}/remise`);
    await shoot(page, 'prescriber-find');
    await page.getByRole('button', { name: 'Activer la caméra' }).click();
    await page
      .getByRole('heading', { name: `Carnet ${run.firstNumber}` })
      .waitFor({ timeout: 30_000 });
    await shoot(page, 'prescriber-handover');
    await page.getByLabel('Code postal du bénéficiaire').fill('31600');
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    await page.getByText(`Le carnet ${run.firstNumber} est remis.`).waitFor();
    await shoot(page, 'prescriber-handed');
    const letter = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Télécharger la lettre (PDF)' }).click();
    const letterPath = join(work, 'letter.pdf');
    await (await letter).saveAs(letterPath);
    const read = await inspectPdf(readFileSync(letterPath));
    expect(read.texts[0]).toContain('Votre Pass numérique');
    expect(read.texts[0]).toContain('France Services de Muret : 05 61 51 00 00.');

    await page.goto(`${service.url}/stock`);
    // one booklet handed out, one still in stock at the prescriber's site
    const row = page.getByRole('row', { name: /France Services de Muret/ });
    await expect(row.getByRole('cell').allTextContents()).resolves.toEqual([
      'Bench',
      '1',
      '0',
      '1',
      '0',
      '0',
      '0',
      '0',
    ]);
    await shoot(page, 'prescriber-stock');
    // the cover's page, as the beneficiary's phone opens it
    await page.goto(service.url + coverText.slice(BASE_URL.length));
    await page.getByText('Votre carnet est valable.').waitFor();
    await shoot(page, 'public-booklet');
    await context.close();

    const admin = await newContext({ viewport: { width: 1280, height: 800 } });
    const page2 = await signIn(admin, ADMIN2);
    await page2.goto(`${service.url}/admin/lieux`);
    await shoot(page2, 'admin-sites');
    await page2.goto(`${service.url}/stock`);
    await shoot(page2, 'admin-stock');
    await admin.close();
  });

  it('administrators are warned 30 days before a programme ends, and close one after its claim deadline', async () => {
    const day = (n: number) => shiftDay(TODAY, n);
    const ending = await api<{ id: string }>(service.url, '/api/programmes', world.admin, {
      name: 'Pass numérique — fin proche',
      departementCode: '31',
      departementName: 'Haute-Garonne',
      validFrom: day(-100),
      expiresOn: day(12),
      claimDeadline: day(60),
      budgetCents: 1_000_000,
      activities: ['Smartphone'],
    });
    const sites = (
      await api<{ id: string; name: string }[]>(service.url, '/api/distribution-sites', world.admin)
    ).filter((s) => s.name === 'France Services de Muret');
    await api(service.url, '/api/booklets/batches', world.admin, {
      programmeId: ending.id,
      count: 3,
      siteId: sites[0].id,
    });
    const done = await api<{ id: string }>(service.url, '/api/programmes', world.admin, {
      name: 'Pass numérique — terminé',
      departementCode: '31',
      departementName: 'Haute-Garonne',
      validFrom: day(0),
      expiresOn: day(1),
      claimDeadline: day(2),
      budgetCents: 500_000,
      activities: ['Smartphone'],
    });
    await api(service.url, '/api/booklets', world.admin, {
      programmeId: done.id,
      beneficiary: { postalCode: '31000' },
    });
    // its dates pass
    const client = new Client({ connectionString: dbUrl });
    await client.connect();
    await client.query(
      `UPDATE programme SET valid_from = $2, expires_on = $3, claim_deadline = $4 WHERE id = $1`,
      [done.id, day(-200), day(-60), day(-1)],
    );
    await client.end();

    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, ADMIN2);
    await page.getByText('Ce dispositif prend fin le').first().waitFor();
    await expect(page.getByText('France Services de Muret : 3').isVisible()).resolves.toBe(true);
    await shoot(page, 'admin-dashboard-ending');
    await page.getByRole('link', { name: 'Clôturer le dispositif' }).click();
    await page.getByRole('heading', { name: /Clôture — Pass numérique — terminé/ }).waitFor();
    await shoot(page, 'admin-closing');
    await page.getByLabel(/Je confirme la clôture/).check();
    await page.getByRole('button', { name: 'Clôturer le dispositif' }).click();
    await page.getByText(/Dispositif clôturé le/).waitFor();
    await expect(
      page.getByRole('row', { name: /Budget libéré à la clôture/ }).textContent(),
    ).resolves.toMatch(/100,00\s€/);
    await shoot(page, 'admin-closed');
    await context.close();
  });
});
