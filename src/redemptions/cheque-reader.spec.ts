import { formatChequeCode, generateChequeCode } from '../booklets/codes/cheque-code';
import { readChequeInput } from './cheque-reader';

describe('readChequeInput', () => {
  const code = generateChequeCode();
  const base = 'https://pass.departement.fr';

  it('reads printed codes and this service’s QR URLs', () => {
    expect(readChequeInput(formatChequeCode(code).toLowerCase(), base)).toEqual({ code });
    expect(readChequeInput(`${base}/c/${code}`, base)).toEqual({ code });
    expect(readChequeInput(`${base}/c/${formatChequeCode(code)}/`, base)).toEqual({ code });
    expect(readChequeInput(`https://host/app/c/${code}`, 'https://host/app')).toEqual({ code });
  });

  it('refuses QR URLs from another host or path, and garbage', () => {
    for (const bad of [
      `https://evil.example/c/${code}`,
      `http://pass.departement.fr/c/${code}`,
      `${base}/x/${code}`,
      `${base}/c/${code}/more`,
      'http://[bad',
      '../../etc/passwd',
    ]) {
      expect(readChequeInput(bad, base)).toMatchObject({ refusal: 'CODE_MALFORMED' });
    }
  });

  it('reports a probable typo', () => {
    const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
    expect(readChequeInput(typo, base)).toEqual({ code: typo, refusal: 'CODE_CHECK_FAILED' });
  });
});
