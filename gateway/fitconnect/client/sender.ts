import { createHash, randomUUID } from 'node:crypto';
import { CompactEncrypt, createLocalJWKSet, importJWK, jwtVerify, type JWK } from 'jose';
import type { components } from '../../api/openapi.js';
import { verifyRoute, type VerifiedRoute } from './verify-route.js';

/**
 * The whole FIT-Connect sender flow against the gateway, for an EfA online service: token,
 * routing lookup with the destination signature checked, destination and key, create,
 * encrypted attachments, encrypted metadata and data, submit, and the case's signed event
 * log. Written from the API contract (gateway/api/openapi.yaml): the bodies are the generated
 * contract types; this file imports nothing of the gateway's runtime code, only jose and
 * node built-ins (a test greps the imports), so a provider may copy the client folder as it is.
 *
 * Every refusal is a SenderError naming the step (`token`, `routing`, `destination`, `key`,
 * `create`, `upload`, `submit`, `events`) and, when the gateway answered with problem details,
 * its FIT-Connect problem type; a signature that does not verify is a TrustError.
 */

type S = components['schemas'];
export type Destination = S['FitConnectDestination'];
export type SubmissionCreated = S['FitConnectSubmissionCreated'];
type CreateSubmission = S['FitConnectCreateSubmission'];
type SubmitSubmission = S['FitConnectSubmitSubmission'];
type RouteResult = S['FitConnectRoutingRouteResult'];
type EventLog = S['FitConnectEventLog'];
type Problem = S['FitConnectProblem'];

/** FIT-Connect's event URIs (`https://schema.fitko.de/fit-connect/events/<name>`). */
export const EVENT_URI = 'https://schema.fitko.de/fit-connect/events/';
/** The metadata schema version this client writes (FIT-Connect metadata 1.x field layout). */
export const METADATA_SCHEMA_URI = 'https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json';
const LEIKA_URN = 'urn:de:fim:leika:leistung:';

export interface SenderOptions {
  /** Gateway base URL, e.g. `https://gateway.zsa.example` (no trailing slash needed). */
  url: string;
  /** Where the FIT-Connect face is mounted (`fitConnect.basePath`, default `/fit-connect`). */
  basePath?: string;
  /** OAuth2 client credentials for `POST /token`; without them (and without `token`) no Authorization header is sent (a gateway with `auth.mode: off`). */
  clientId?: string;
  clientSecret?: string;
  /** A ready access token instead of client credentials. */
  token?: string;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/** A refusal by the gateway, or an answer outside the contract. */
export class SenderError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly problem: Problem | null,
    message: string,
  ) {
    super(message);
    this.name = 'SenderError';
  }
}

/** A signature (routing or event log) that does not verify, or a key that is not fit for use. */
export class TrustError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'TrustError';
  }
}

export interface AttachmentFile {
  bytes: Uint8Array;
  filename: string;
  /** Default `application/pdf`. */
  mimeType?: string;
  description?: string;
}

export interface Submission {
  destinationId: string;
  /** The LeiKa key (14 digits) or its URN. */
  leika: string;
  /** Human-readable service name sent as `publicService.name`. */
  serviceName?: string;
  /** The form data (JSON bytes), sent as they are: their SHA-512 goes into the metadata. */
  data: Uint8Array;
  /** `submissionSchema.schemaUri`; default: the destination's first schema for the service. */
  schemaUri?: string;
  attachments?: AttachmentFile[];
  /**
   * The sender's public reply encryption key (RSA-OAEP-256, JWK): written to the metadata as
   * `replyChannel.fitConnect.encryptionPublicKey` (FIT-Connect metadata, "Rückkanal"), so the
   * authority can answer on the same case encrypted to this key. Omitted when not given.
   */
  replyEncryptionKey?: JWK;
  /** `replyChannel.fitConnect.processStandards` (only with `replyEncryptionKey`). */
  processStandards?: string[];
}

export interface SentSubmission extends SubmissionCreated {
  attachmentIds: string[];
}

/** One verified event of a case's log. */
export interface CaseEvent {
  /** e.g. `create-submission`, `accept-submission`. */
  name: string;
  issuedAt: Date;
  jti: string;
  issuer: string;
  submissionId: string;
  /** The problems of a reject-submission. */
  problems?: Array<{ type?: string; title?: string; detail?: string; instance?: string }>;
}

const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest('hex');
const leikaKeyOf = (leika: string) => (leika.startsWith(LEIKA_URN) ? leika.slice(LEIKA_URN.length) : leika);

export class FitConnectSender {
  readonly base: string;
  readonly api: string;
  private readonly fetchFn: typeof fetch;
  private token: Promise<string | null> | null = null;
  private jwks: Promise<ReturnType<typeof createLocalJWKSet>> | null = null;

  constructor(private readonly o: SenderOptions) {
    this.base = o.url.replace(/\/+$/, '');
    this.api = `${this.base}${o.basePath ?? '/fit-connect'}`;
    this.fetchFn = o.fetch ?? fetch;
  }

  /** The access token (fetched once with the client credentials at `POST /token`), or null without credentials. */
  accessToken(): Promise<string | null> {
    this.token ??= this.fetchToken();
    return this.token;
  }

  private async fetchToken(): Promise<string | null> {
    if (this.o.token) return this.o.token;
    if (!this.o.clientId || !this.o.clientSecret) return null;
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.o.clientId, client_secret: this.o.clientSecret });
    const res = await this.http('token', `${this.base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    const answer = (await res.json()) as S['TokenAnswer'];
    return answer.access_token;
  }

  /** One request; a non-2xx answer becomes SenderError with the problem details when there are any. */
  private async http(step: string, url: string, init: RequestInit & { headers?: Record<string, string> }, auth = false): Promise<Response> {
    const token = auth ? await this.accessToken() : null;
    const headers = { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
    let res: Response;
    try {
      res = await this.fetchFn(url, { ...init, headers });
    } catch (cause) {
      throw new SenderError(step, 0, null, `cannot reach the gateway at ${this.base}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    if (res.ok) return res;
    const text = await res.text();
    let problem: Problem | null = null;
    try {
      const j = JSON.parse(text) as Problem & { error?: string; error_description?: string };
      if (typeof j.type === 'string' && typeof j.title === 'string') problem = j;
      else if (typeof j.error === 'string') return fail(step, res.status, null, `${j.error}: ${j.error_description ?? ''}`.trim());
    } catch {
      // not JSON: reported by status
    }
    return fail(step, res.status, problem, problem ? `${problem.title}${problem.detail ? `: ${problem.detail}` : ''} (${problem.type})` : `HTTP ${res.status}`);
  }

  private async json<T>(step: string, path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<T> {
    const res = await this.http(step, `${this.api}${path}`, init, true);
    return (await res.json()) as T;
  }

  /**
   * Finds the destination responsible for `leika` at a place (AGS of 8 or ARS of 12 digits)
   * through the Routing API and verifies its destination signature (verify-route.ts) against
   * `trust` (default: the routing JWKS and issuer this gateway publishes — which only proves
   * the route was not altered since the gateway signed it; pin `trust.jwks` to trust a key you
   * hold). Resolves with every verified route; no route is `[]`.
   */
  async findDestinations(leika: string, place: string, trust?: { jwks?: { keys: JWK[] }; issuer?: string }): Promise<Array<VerifiedRoute & { destinationName?: string }>> {
    const leikaKey = leikaKeyOf(leika);
    const by = /^\d{12}$/.test(place) ? 'ars' : 'ags';
    const q = new URLSearchParams({ leikaKey, [by]: place });
    const result = (await (await this.http('routing', `${this.api}/routing/v1/routes?${q}`, {})).json()) as RouteResult;
    const jwks = trust?.jwks ?? ((await (await this.http('routing', `${this.api}/routing/.well-known/jwks.json`, {})).json()) as { keys: JWK[] });
    const issuer = trust?.issuer ?? `${this.api}/routing`;
    const out: Array<VerifiedRoute & { destinationName?: string }> = [];
    for (const route of result.routes) {
      try {
        const v = await verifyRoute(route, { leikaKey, ...(by === 'ars' ? { ars: place } : {}) }, { jwks, issuer });
        out.push({ ...v, ...(route.destinationName !== undefined && { destinationName: route.destinationName }) });
      } catch (err) {
        const rule = (err as { rule?: string }).rule ?? 'route';
        throw new TrustError(rule, `the routing result for destination ${route.destinationId} is not trustworthy: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return out;
  }

  /** `GET /v1/destinations/{id}`. */
  destination(id: string): Promise<Destination> {
    return this.json('destination', `/v1/destinations/${encodeURIComponent(id)}`);
  }

  /**
   * `GET /v1/destinations/{id}/keys/{kid}`, checked as FIT-Connect asks a sender to: an RSA
   * key with `key_ops` containing `wrapKey`, `alg` RSA-OAEP-256 when named, an `x5c` chain
   * present, no private part. TrustError otherwise.
   */
  async encryptionKey(destinationId: string, kid: string): Promise<JWK> {
    const jwk = await this.json<JWK>('key', `/v1/destinations/${encodeURIComponent(destinationId)}/keys/${encodeURIComponent(kid)}`);
    if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || jwk.d !== undefined) throw new TrustError('key.type', `key ${kid} is not an RSA public key`);
    if (!Array.isArray(jwk.key_ops) || !jwk.key_ops.includes('wrapKey')) throw new TrustError('key.key_ops', `key ${kid} is not for wrapKey`);
    if (jwk.alg !== undefined && jwk.alg !== 'RSA-OAEP-256') throw new TrustError('key.alg', `key ${kid} is for ${jwk.alg}, not RSA-OAEP-256`);
    if (!Array.isArray(jwk.x5c) || jwk.x5c.length === 0) throw new TrustError('key.x5c', `key ${kid} carries no certificate chain (x5c)`);
    if (Buffer.from(jwk.n, 'base64url').length < 512) throw new TrustError('key.size', `key ${kid} has fewer than 4096 bits`);
    return jwk;
  }

  /**
   * Creates the submission, uploads every attachment and submits metadata and data, each as
   * a compact JWE (RSA-OAEP-256 + A256GCM, the destination's kid). Resolves once the gateway
   * answered 202 (stored and routed).
   */
  async send(s: Submission): Promise<SentSubmission> {
    const dest = await this.destination(s.destinationId);
    const jwk = await this.encryptionKey(s.destinationId, dest.encryptionKid);
    // WebCrypto imports a wrapKey-only JWK without the `encrypt` usage jose asks for: import the bare key material
    const key = await importJWK({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'RSA-OAEP-256');
    const kid = jwk.kid ?? dest.encryptionKid;
    const seal = (bytes: Uint8Array, cty?: string) => new CompactEncrypt(bytes).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid, ...(cty && { cty }) }).encrypt(key);

    const leikaKey = leikaKeyOf(s.leika);
    const identifier = `${LEIKA_URN}${leikaKey}`;
    const schemaUri = s.schemaUri ?? dest.services.find((x) => x.identifier === identifier)?.submissionSchemas[0]?.schemaUri;
    if (schemaUri === undefined) throw new SenderError('destination', 0, null, `destination ${s.destinationId} offers no service ${leikaKey}`);
    const files = (s.attachments ?? []).map((a) => ({ ...a, attachmentId: randomUUID() }));

    const create: CreateSubmission = { destinationId: s.destinationId, announcedAttachments: files.map((f) => f.attachmentId), publicService: { identifier, ...(s.serviceName && { name: s.serviceName }) } };
    const created = await this.json<SubmissionCreated>('create', '/v1/submissions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(create) });
    for (const f of files) {
      await this.http('upload', `${this.api}/v1/submissions/${created.submissionId}/attachments/${f.attachmentId}`, { method: 'PUT', headers: { 'content-type': 'application/jose' }, body: await seal(f.bytes, f.mimeType ?? 'application/pdf') }, true);
    }
    const metadata = {
      $schema: METADATA_SCHEMA_URI,
      contentStructure: {
        data: { hash: { type: 'sha512', content: sha512(s.data) }, submissionSchema: { schemaUri, mimeType: 'application/json' } },
        attachments: files.map((f) => ({
          attachmentId: f.attachmentId,
          hash: { type: 'sha512', content: sha512(f.bytes) },
          purpose: 'attachment',
          mimeType: f.mimeType ?? 'application/pdf',
          filename: f.filename,
          ...(f.description && { description: f.description }),
        })),
      },
      publicServiceType: { identifier, ...(s.serviceName && { name: s.serviceName }) },
      ...(s.replyEncryptionKey && { replyChannel: { fitConnect: { encryptionPublicKey: publicPart(s.replyEncryptionKey), ...(s.processStandards && { processStandards: s.processStandards }) } } }),
    };
    const submit: SubmitSubmission = { encryptedMetadata: await seal(Buffer.from(JSON.stringify(metadata)), 'application/json'), encryptedData: await seal(s.data, 'application/json') };
    const done = await this.json<SubmissionCreated>('submit', `/v1/submissions/${created.submissionId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(submit) });
    return { ...done, attachmentIds: files.map((f) => f.attachmentId) };
  }

  /**
   * Reads the case's event log and verifies every SET against the gateway's JWKS
   * (`<basePath>/.well-known/jwks.json`): `alg` PS512, `typ` secevent+jwt, the claims jti,
   * iss, iat, sub `submission:<id>`, txn `case:<caseId>`, exactly one event with a FIT-Connect
   * event URI. TrustError on the first that fails. Pass `jwks` to pin the keys.
   */
  async events(caseId: string, jwks?: { keys: JWK[] }): Promise<CaseEvent[]> {
    const log = await this.json<EventLog>('events', `/v1/cases/${encodeURIComponent(caseId)}/events?limit=500`);
    const keys = jwks ? createLocalJWKSet(jwks) : await this.gatewayJwks();
    const out: CaseEvent[] = [];
    for (const token of log.eventLog) {
      let payload: Record<string, unknown>;
      try {
        payload = (await jwtVerify(token, keys, { algorithms: ['PS512'], typ: 'secevent+jwt' })).payload;
      } catch (err) {
        throw new TrustError('event.signature', `an event of case ${caseId} does not verify against the gateway's JWKS: ${err instanceof Error ? err.message : String(err)}`);
      }
      const events = payload['events'] as Record<string, { problems?: CaseEvent['problems'] }> | undefined;
      const entries = events && typeof events === 'object' ? Object.entries(events) : [];
      const sub = typeof payload['sub'] === 'string' ? /^submission:(.+)$/.exec(payload['sub'])?.[1] : undefined;
      if (entries.length !== 1 || !entries[0]![0].startsWith(EVENT_URI) || sub === undefined || payload['txn'] !== `case:${caseId}` || typeof payload['jti'] !== 'string' || typeof payload['iss'] !== 'string' || typeof payload['iat'] !== 'number') {
        throw new TrustError('event.claims', `an event of case ${caseId} lacks FIT-Connect's claims (one event, sub, txn case:${caseId}, jti, iss, iat)`);
      }
      const [uri, details] = entries[0]!;
      out.push({ name: uri.slice(EVENT_URI.length), issuedAt: new Date(payload['iat'] * 1000), jti: payload['jti'], issuer: payload['iss'], submissionId: sub, ...(details?.problems && { problems: details.problems }) });
    }
    return out;
  }

  private gatewayJwks(): Promise<ReturnType<typeof createLocalJWKSet>> {
    this.jwks ??= this.http('events', `${this.api}/.well-known/jwks.json`, {}).then(async (r) => createLocalJWKSet((await r.json()) as { keys: JWK[] }));
    return this.jwks;
  }
}

function fail(step: string, status: number, problem: Problem | null, message: string): never {
  throw new SenderError(step, status, problem, message);
}

/** The public members of an RSA JWK (a private key given by mistake never leaves the sender). */
function publicPart(k: JWK): JWK {
  return { kty: k.kty, n: k.n, e: k.e, ...(k.kid && { kid: k.kid }), alg: 'RSA-OAEP-256', key_ops: ['wrapKey'], ...(k.x5c && { x5c: k.x5c }) };
}
