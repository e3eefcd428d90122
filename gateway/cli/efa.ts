import { Option, type Command } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { JWK } from 'jose';
import { acknowledgeReply, fetchReply, listReplies, ReplyError } from '../fitconnect/client/replies.js';
import { FitConnectSender, SenderError, TrustError, type AttachmentFile, type CaseEvent } from '../fitconnect/client/sender.js';
import { gatewayUrl, type Credentials } from './client.js';

/**
 * `zsa-gateway efa …`: what an EfA provider runs to try the gateway's FIT-Connect face
 * (docs/fit-connect.md). Exit codes of `efa send`:
 *   0  submitted (202), and every event of the case's log verified;
 *   1  refused: no destination for the service at the place, or the gateway answered a problem
 *      (its FIT-Connect problem type is printed);
 *   2  could not run: bad arguments, unreadable file, gateway not reachable;
 *   3  not trustworthy: the routing signature, the destination key or an event's signature
 *      failed its check (nothing is sent after a failed routing or key check).
 */

export const EXIT = { ok: 0, refused: 1, error: 2, untrusted: 3 } as const;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function mediaTypeOf(file: string): string {
  const ext = file.toLowerCase().split('.').pop();
  return ext === 'pdf' ? 'application/pdf' : ext === 'png' ? 'image/png' : ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : ext === 'xml' ? 'application/xml' : 'application/octet-stream';
}

interface SendOptions {
  service: string;
  ags: string;
  attach?: string[];
  destination?: string;
  schemaUri?: string;
  routingJwks?: string;
  routingIssuer?: string;
  replyKey?: string;
  url?: string;
  json?: boolean;
}

export function registerEfaCommands(program: Command): void {
  const efa = program.command('efa').description('FIT-Connect sender for EfA online services: send a form with attachments through the gateway\'s FIT-Connect API');
  efa
    .command('send <form>')
    .description('find the destination (routing, signature verified), encrypt and submit the form JSON with its attachments, print the case id and its verified events (exit 0 ok, 1 refused, 2 error, 3 signature/key check failed)')
    .requiredOption('--service <leika>', 'LeiKa key of the service (14 digits), e.g. 99102013104000 (Hund anmelden)')
    .requiredOption('--ags <ags|ars>', 'the place: AGS (8 digits) or ARS (12 digits) of the municipality')
    .option('--attach <files...>', 'attachment files (repeatable)', collect)
    .option('--destination <id>', 'the destination to use when the routing finds several')
    .option('--schema-uri <uri>', 'submission schema URI (default: the destination\'s for the service)')
    .option('--routing-jwks <file>', 'JWK Set that signs routing results (default: the one the gateway publishes)')
    .option('--routing-issuer <url>', 'expected iss of the destination signature (default: <url>/fit-connect/routing)')
    .option('--reply-key <file>', 'public RSA-OAEP-256 JWK for replies: sent as replyChannel.fitConnect.encryptionPublicKey in the metadata')
    .addOption(new Option('--url <url>', 'gateway base URL (default $ZSA_GATEWAY_URL or http://127.0.0.1:$PORT|8080)'))
    .option('--json', 'print one JSON object instead of text')
    .action(async (form: string, o: SendOptions) => {
      process.exitCode = await efaSend(program, form, o);
    });
  efa
    .command('events <caseId>')
    .description('print the case\'s event log, every SET verified against the gateway\'s JWKS (exit 0 ok, 1 refused, 2 error, 3 a signature failed)')
    .addOption(new Option('--url <url>', 'gateway base URL (default $ZSA_GATEWAY_URL or http://127.0.0.1:$PORT|8080)'))
    .option('--json', 'print JSON instead of text')
    .action(async (caseId: string, o: { url?: string; json?: boolean }) => {
      const sender = senderFor(program, o.url);
      process.exitCode = await guarded(async () => {
        printEvents(sender, await sender.events(caseId), o.json);
        return EXIT.ok;
      });
    });
  efa
    .command('replies <caseId>')
    .description('list the replies on a case (Bescheid, Nachforderung, status), decrypt each with the private reply key and check its hashes; --out saves them, --ack acknowledges them (exit 0 ok, 1 refused, 2 error, 3 a reply failed its check)')
    .requiredOption('--reply-key <file>', 'the PRIVATE RSA JWK whose public half was sent as the reply key (efa send --reply-key), or the service\'s registered encryption key')
    .option('--out <dir>', 'write each reply (data and attachments) to <dir>/<replyId>/')
    .option('--ack', 'acknowledge each reply after it was decrypted, checked and (with --out) written')
    .addOption(new Option('--url <url>', 'gateway base URL (default $ZSA_GATEWAY_URL or http://127.0.0.1:$PORT|8080)'))
    .option('--json', 'print JSON instead of text')
    .action(async (caseId: string, o: { replyKey: string; out?: string; ack?: boolean; url?: string; json?: boolean }) => {
      process.exitCode = await efaReplies(program, caseId, o);
    });
}

/** `efa replies`: the reply channel's client (gateway/fitconnect/client/replies.ts, ADR 0033) from the command line. */
async function efaReplies(program: Command, caseId: string, o: { replyKey: string; out?: string; ack?: boolean; url?: string; json?: boolean }): Promise<number> {
  let key: JWK;
  try {
    key = JSON.parse(await readFile(o.replyKey, 'utf8')) as JWK;
  } catch (err) {
    return usage(`cannot read the reply key: ${err instanceof Error ? err.message : String(err)}`);
  }
  const sender = senderFor(program, o.url);
  return guarded(async () => {
    const token = await sender.accessToken();
    if (token === null) return usage('replies are read as the sending service: give --client-id/--client-secret, --token or ZSA_GATEWAY_CLIENT_ID/ZSA_GATEWAY_CLIENT_SECRET');
    const client = { base: sender.api, token };
    try {
      const listed = await listReplies(client, caseId);
      const shown: Array<Record<string, unknown>> = [];
      for (const r of listed) {
        const opened = await fetchReply(client, r.replyId, key);
        let dir: string | undefined;
        if (o.out) {
          dir = join(o.out, r.replyId);
          await mkdir(dir, { recursive: true });
          await writeFile(join(dir, 'data.xml'), opened.data);
          for (const a of opened.attachments) await writeFile(join(dir, basename(a.filename ?? a.attachmentId)), a.bytes);
        }
        if (o.ack) await acknowledgeReply(client, r.replyId);
        shown.push({ replyId: r.replyId, messageType: r.messageType, createdAt: r.createdAt, bytes: opened.data.length, attachments: opened.attachments.map((a) => ({ filename: a.filename ?? a.attachmentId, mimeType: a.mimeType, bytes: a.bytes.length })), checked: true, acknowledged: o.ack === true, ...(dir && { savedTo: dir }) });
      }
      if (o.json) console.log(JSON.stringify(shown, null, 2));
      else if (shown.length === 0) console.log(`no replies on case ${caseId}`);
      else for (const r of shown) console.log(`${String(r['createdAt'])}  ${String(r['messageType']).padEnd(28)} reply ${String(r['replyId'])}  ${String(r['bytes'])} bytes, ${(r['attachments'] as unknown[]).length} attachment(s), hashes checked${o.ack ? ', acknowledged' : ''}${r['savedTo'] ? `  → ${String(r['savedTo'])}` : ''}`);
      return EXIT.ok;
    } catch (err) {
      if (!(err instanceof ReplyError)) throw err;
      const untrusted = ['decryption-failed', 'hash-mismatch', 'attachment-mismatch'].includes(err.type);
      console.error(`${untrusted ? 'untrusted' : 'refused'} (${err.type}): ${err.message}`);
      return untrusted ? EXIT.untrusted : err.type === 'invalid-argument' ? EXIT.error : EXIT.refused;
    }
  });
}

function senderFor(program: Command, url?: string): FitConnectSender {
  const g = program.opts<Credentials>();
  const env = process.env;
  const token = g.token ?? env['ZSA_GATEWAY_TOKEN'];
  const clientId = g.clientId ?? env['ZSA_GATEWAY_CLIENT_ID'];
  const clientSecret = g.clientSecret ?? env['ZSA_GATEWAY_CLIENT_SECRET'];
  return new FitConnectSender({ url: gatewayUrl(url), ...(token && { token }), ...(clientId && { clientId }), ...(clientSecret && { clientSecret }) });
}

async function efaSend(program: Command, formFile: string, o: SendOptions): Promise<number> {
  const out = (text: string) => {
    if (!o.json) console.log(text);
  };
  if (!/^99\d{12}$/.test(o.service)) return usage('--service must be a LeiKa key of 14 digits starting with 99');
  if (!/^(\d{8}|\d{12})$/.test(o.ags)) return usage('--ags must be an AGS (8 digits) or an ARS (12 digits)');
  let data: Buffer;
  let attachments: AttachmentFile[];
  let replyKey: JWK | undefined;
  try {
    data = await readFile(formFile);
    JSON.parse(data.toString('utf8'));
    attachments = await Promise.all((o.attach ?? []).map(async (f) => ({ bytes: await readFile(f), filename: basename(f), mimeType: mediaTypeOf(f) })));
    if (o.replyKey) replyKey = JSON.parse(await readFile(o.replyKey, 'utf8')) as JWK;
  } catch (err) {
    return usage(`cannot read the input: ${err instanceof Error ? err.message : String(err)}`);
  }
  const sender = senderFor(program, o.url);
  return guarded(async () => {
    const trust = {
      ...(o.routingJwks && { jwks: JSON.parse(await readFile(o.routingJwks, 'utf8')) as { keys: JWK[] } }),
      ...(o.routingIssuer && { issuer: o.routingIssuer }),
    };
    const routes = await sender.findDestinations(o.service, o.ags, trust);
    const wanted = o.destination?.toLowerCase();
    const chosen = wanted ? routes.filter((r) => r.destinationId === wanted) : routes;
    if (chosen.length === 0) {
      console.error(`refused: no destination offers service ${o.service} at ${o.ags}${o.destination ? ` with id ${o.destination}` : ''}`);
      return EXIT.refused;
    }
    if (chosen.length > 1) {
      console.error(`refused: ${chosen.length} destinations offer service ${o.service} at ${o.ags}; choose one with --destination:`);
      for (const r of chosen) console.error(`  ${r.destinationId}  ${r.destinationName ?? ''}`);
      return EXIT.refused;
    }
    const route = chosen[0]!;
    out(`destination ${route.destinationId}  ${route.destinationName ?? ''}  (routing signature verified)`.trimEnd());
    const sent = await sender.send({ destinationId: route.destinationId, leika: o.service, data, attachments, ...(o.schemaUri && { schemaUri: o.schemaUri }), ...(replyKey && { replyEncryptionKey: replyKey }) });
    out(`submitted: submission ${sent.submissionId}, ${sent.attachmentIds.length} attachment(s), encrypted RSA-OAEP-256/A256GCM`);
    out(`case: ${sent.caseId}`);
    const events = await sender.events(sent.caseId);
    if (o.json) console.log(JSON.stringify({ destinationId: route.destinationId, submissionId: sent.submissionId, caseId: sent.caseId, events: events.map(eventJson) }, null, 2));
    else printEvents(sender, events, false);
    return EXIT.ok;
  });
}

const eventJson = (e: CaseEvent) => ({ name: e.name, at: e.issuedAt.toISOString(), verified: true, ...(e.problems && { problems: e.problems }) });

function printEvents(sender: FitConnectSender, events: CaseEvent[], json?: boolean): void {
  if (json) return console.log(JSON.stringify(events.map(eventJson), null, 2));
  console.log(`events (PS512, verified against ${sender.api}/.well-known/jwks.json):`);
  for (const e of events) console.log(`  ${e.issuedAt.toISOString()}  ${e.name.padEnd(18)} verified${e.problems?.length ? `  ${e.problems.map((p) => p.type ?? p.title ?? '').join(', ')}` : ''}`);
}

/** Runs a command body and turns each kind of failure into its exit code (printed on stderr). */
async function guarded(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof TrustError) {
      console.error(`untrusted (${err.rule}): ${err.message}`);
      return EXIT.untrusted;
    }
    if (err instanceof SenderError && err.status >= 400 && err.status < 500) {
      console.error(`refused at ${err.step} (HTTP ${err.status}): ${err.message}`);
      for (const i of (err.problem?.errors ?? []) as Array<{ path?: string; message?: string }>) console.error(`  ${i.path ?? ''}: ${i.message ?? ''}`);
      return EXIT.refused;
    }
    console.error(`error${err instanceof SenderError ? ` at ${err.step}` : ''}: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.error;
  }
}

function usage(message: string): number {
  console.error(`error: ${message}`);
  return EXIT.error;
}
