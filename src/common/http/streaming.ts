import type { Response } from 'express';

/**
 * Runs a streaming writer: headers go out only once the writer is ready (so an early refusal is
 * still a problem+json answer), and a failure mid-stream aborts the response instead of sending
 * a truncated file as if it were complete.
 */
export async function streamDownload(
  res: Response,
  contentType: string,
  write: (out: Response, onReady: (fileName: string) => void) => Promise<void>,
): Promise<void> {
  try {
    await write(res, (fileName) => {
      res.status(200);
      res.setHeader('Content-Type', contentType);
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      );
    });
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}
