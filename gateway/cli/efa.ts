import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { JWK } from 'jose';
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
  // `efa replies` belongs to the reply channel (gateway/fitconnect/client/replies.ts), built separately; registered once that lands.
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
