/**
 * SEPA credit transfer initiation, ISO 20022 pain.001.001.03: one payment information block from
 * the département's account, one transaction per statement, end-to-end id = statement number.
 * Amounts are written from integer cents, never through floating point.
 */
export interface SepaPayer {
  name: string;
  iban: string;
  bic: string | null;
}

export interface SepaTransfer {
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  creditorIban: string;
  creditorBic: string | null;
  remittance: string;
}

/** SEPA's restricted Latin character set: accents dropped, anything else becomes a space. */
export function sepaText(value: string, max: number): string {
  return value
    .replace(
      /[œŒæÆßøØ]/g,
      (c) => ({ œ: 'oe', Œ: 'OE', æ: 'ae', Æ: 'AE', ß: 'ss', ø: 'o', Ø: 'O' })[c]!,
    )
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);
}

function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

/** 12345 → "123.45" */
export function sepaAmount(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents <= 0)
    throw new RangeError(`SEPA amount must be positive cents: ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

function agent(bic: string | null): string {
  return bic
    ? `<FinInstnId><BIC>${escapeXml(bic)}</BIC></FinInstnId>`
    : '<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>';
}

export function painCreditTransfer(
  messageId: string,
  createdAt: Date,
  executionDate: string,
  payer: SepaPayer,
  transfers: SepaTransfer[],
): string {
  const count = transfers.length;
  const sum = sepaAmount(transfers.reduce((s, t) => s + t.amountCents, 0));
  const created = createdAt.toISOString().slice(0, 19);
  const payerName = escapeXml(sepaText(payer.name, 70));
  const txs = transfers
    .map(
      (t) =>
        `<CdtTrfTxInf>` +
        `<PmtId><EndToEndId>${escapeXml(sepaText(t.endToEndId, 35))}</EndToEndId></PmtId>` +
        `<Amt><InstdAmt Ccy="EUR">${sepaAmount(t.amountCents)}</InstdAmt></Amt>` +
        `<CdtrAgt>${agent(t.creditorBic)}</CdtrAgt>` +
        `<Cdtr><Nm>${escapeXml(sepaText(t.creditorName, 70))}</Nm></Cdtr>` +
        `<CdtrAcct><Id><IBAN>${escapeXml(t.creditorIban)}</IBAN></Id></CdtrAcct>` +
        `<RmtInf><Ustrd>${escapeXml(sepaText(t.remittance, 140))}</Ustrd></RmtInf>` +
        `</CdtTrfTxInf>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<CstmrCdtTrfInitn>' +
    `<GrpHdr><MsgId>${escapeXml(sepaText(messageId, 35))}</MsgId><CreDtTm>${created}</CreDtTm><NbOfTxs>${count}</NbOfTxs><CtrlSum>${sum}</CtrlSum><InitgPty><Nm>${payerName}</Nm></InitgPty></GrpHdr>` +
    `<PmtInf><PmtInfId>${escapeXml(sepaText(messageId, 35))}</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>false</BtchBookg><NbOfTxs>${count}</NbOfTxs><CtrlSum>${sum}</CtrlSum>` +
    '<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>' +
    `<ReqdExctnDt>${executionDate}</ReqdExctnDt>` +
    `<Dbtr><Nm>${payerName}</Nm></Dbtr><DbtrAcct><Id><IBAN>${escapeXml(payer.iban)}</IBAN></Id></DbtrAcct><DbtrAgt>${agent(payer.bic)}</DbtrAgt>` +
    '<ChrgBr>SLEV</ChrgBr>' +
    txs +
    '</PmtInf></CstmrCdtTrfInitn></Document>\n'
  );
}
