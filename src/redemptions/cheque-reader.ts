import { parseChequeCode } from '../booklets/codes/cheque-code';
import type { ChequeRefusal } from './refusals';

/**
 * Reads what a scanner or a person gave: a printed code (any case, dashes or not) or the QR's URL,
 * which must be this service's own `${PUBLIC_BASE_URL}/c/<code>` (in any case: the QR prints it in
 * upper case) — a QR from elsewhere is refused.
 */
export function readChequeInput(
  input: string,
  publicBaseUrl: string,
): { code: string } | ChequeRefusal {
  const raw = input.trim();
  let candidate = raw;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { code: raw, refusal: 'CODE_MALFORMED' };
    }
    const base = new URL(publicBaseUrl);
    // The printed QR carries the URL in upper case (QR alphanumeric mode): paths compare
    // case-insensitively, like the routes.
    const basePath = base.pathname.replace(/\/$/, '').toLowerCase();
    const match = /^\/c\/([^/]+)\/?$/i.exec(url.pathname.slice(basePath.length));
    if (
      url.origin !== base.origin ||
      !url.pathname.toLowerCase().startsWith(basePath + '/c/') ||
      !match
    ) {
      return { code: raw, refusal: 'CODE_MALFORMED' };
    }
    try {
      candidate = decodeURIComponent(match[1]);
    } catch {
      // bad percent-encoding (…/c/%zz) is a malformed code, not a server error
      return { code: raw, refusal: 'CODE_MALFORMED' };
    }
  }
  const parsed = parseChequeCode(candidate);
  if (parsed.ok) return { code: parsed.code };
  return {
    code: raw,
    refusal: parsed.reason === 'MALFORMED' ? 'CODE_MALFORMED' : 'CODE_CHECK_FAILED',
  };
}
