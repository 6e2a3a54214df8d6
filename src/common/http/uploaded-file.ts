import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** A file sent with a form (multipart, field `file`), as read by the body parsers. */
export interface UploadedDocument {
  name: string;
  mediaType: string;
  content: Buffer;
}

/** The request's uploaded file, if any (parsed once for every route in body-parsers.ts). */
export const UploadedDocumentParam = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): UploadedDocument | undefined => {
    const file = ctx.switchToHttp().getRequest<Request>().file;
    return file
      ? { name: file.originalname, mediaType: file.mimetype, content: file.buffer }
      : undefined;
  },
);

/**
 * What a document really is, by its first bytes (never by the name or the type the client
 * claims): PDF, PNG or JPEG, or null.
 */
export function documentType(
  content: Buffer,
): 'application/pdf' | 'image/png' | 'image/jpeg' | null {
  if (content.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (content.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (content.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
  return null;
}
