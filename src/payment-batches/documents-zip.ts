import { ZipFile } from 'yazl';

/** One file of the zip: its name and bytes. */
export interface ZipEntry {
  name: string;
  content: Buffer;
}

/**
 * A zip of the batch's supporting documents that is the same bytes at every build: entries in the
 * order given, stored uncompressed (PDFs are compressed already, and no deflate implementation
 * detail can change the bytes), every entry dated `at` as Paris wall-clock time in the DOS fields
 * only (no Unix timestamp field), so neither the server's time zone nor the time of the download
 * changes anything.
 */
export function documentsZip(entries: ZipEntry[], at: Date): Promise<Buffer> {
  const zip = new ZipFile();
  const mtime = parisWallClock(at);
  for (const e of entries)
    zip.addBuffer(e.content, e.name, {
      mtime,
      mode: 0o100644,
      compress: false,
      forceDosTimestamp: true,
    });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** A Date whose local-time fields are `at` as seen in Paris (yazl writes local fields). */
function parisWallClock(at: Date): Date {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  return new Date(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}
