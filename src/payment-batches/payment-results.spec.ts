import { MAX_RESULT_LINES, parseAmount, parseDate, parseResults } from './payment-results';

describe('payment results file', () => {
  it('reads amounts with a comma or a point, spaces and the euro sign, and nothing else', () => {
    expect(parseAmount('1 234,50')).toBe(123450);
    expect(parseAmount('1234.5')).toBe(123450);
    expect(parseAmount('30')).toBe(3000);
    expect(parseAmount('30,00 €')).toBe(3000);
    expect(parseAmount('1\u202f000,00')).toBe(100000);
    for (const bad of ['', '-10,00', '10,001', '1e3', 'dix', '10,00,00'])
      expect(parseAmount(bad)).toBeNull();
  });

  it('reads French and ISO dates, refusing impossible ones', () => {
    expect(parseDate('31/12/2026')).toBe('2026-12-31');
    expect(parseDate('2026-12-31')).toBe('2026-12-31');
    for (const bad of ['31/02/2026', '2026-13-01', '12/31/2026', '31-12-2026'])
      expect(parseDate(bad)).toBeNull();
  });

  it('finds its columns by name whatever the case, accents and separator; the reference defaults to the mandate', () => {
    const { lines, problems } = parseResults(
      '\uFEFFN° mandat\tMontant payé\tDate de paiement\tÉtat\r\nM-1\t30,00\t15/03/2026\tER-2026-00001\r\n',
    );
    expect(problems).toEqual([]);
    expect(lines).toEqual([
      {
        line: 2,
        statementNumber: 'ER-2026-00001',
        mandateNumber: 'M-1',
        amountCents: 3000,
        paidOn: '2026-03-15',
        paymentReference: 'M-1',
      },
    ]);
  });

  it('refuses a file longer than the most lines accepted, never cutting it silently', () => {
    const line = 'ER-1;10,00;2026-01-02\n';
    const big = 'etat;montant;date\n' + line.repeat(MAX_RESULT_LINES + 1);
    expect(parseResults(big).problems).toEqual([
      { line: 0, message: `plus de ${MAX_RESULT_LINES} lignes` },
    ]);
    const full = 'etat;montant;date\n' + line.repeat(MAX_RESULT_LINES);
    expect(parseResults(full).lines).toHaveLength(MAX_RESULT_LINES);
  });

  it('says which columns are missing, and which line is unreadable and why', () => {
    expect(parseResults('etat;montant\nER-1;10').problems).toEqual([
      { line: 1, message: 'colonne manquante : date_paiement' },
    ]);
    expect(parseResults('').problems[0].line).toBe(0);
    const { problems } = parseResults(
      'etat;montant;date;reference\nER-1;10,00;hier;R-1\n;10,00;2026-01-02;R-2\nER-3;5;2026-01-02;<script>',
    );
    expect(problems).toEqual([
      { line: 2, message: 'date de paiement illisible : « hier »' },
      { line: 3, message: "numéro d'état manquant" },
      {
        line: 4,
        message:
          'référence de paiement invalide (1 à 50 lettres, chiffres, espaces ou . / _ -) : « <script> »',
      },
    ]);
  });
});
