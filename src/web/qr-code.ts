import { toString as qrSvg } from 'qrcode';

/** A QR code of `text` as an SVG data address, for an <img> (whose alt the page gives). */
export async function qrCodeImage(text: string): Promise<string> {
  const svg = await qrSvg(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
