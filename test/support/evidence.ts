import request from 'supertest';
import { listedNachweise } from './xzsa-fixtures.js';

/**
 * POST /api/v1/messages as multipart: the XML as the `message` part and every evidence file it
 * lists attached (the fixtures' synthetic bytes) — what a correct sender does where the gateway
 * cross-checks evidence lists against the attachments of the case (ADR 0023). A message that
 * lists nothing is sent the same way, without attachments.
 */
export function withListedEvidence(url: string, xml: string, token?: string): request.Test {
  let req = request(url).post('/api/v1/messages');
  if (token !== undefined) req = req.set('authorization', `Bearer ${token}`);
  req = req.attach('message', Buffer.from(xml), { filename: 'message.xml', contentType: 'application/xml' });
  for (const f of listedNachweise(xml)) req = req.attach('attachment', f.content, { filename: f.name, contentType: f.mediaType });
  return req;
}
