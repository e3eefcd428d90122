import { z } from 'zod';
import { caseMatchSchema, deadlineSchema, deadlineWatcherSchema, evidenceSchema } from './service-rules.js';
import { KENNUNG as KENNUNG_PATTERN, normalizeKennung } from '../validation/kennung.js';
import { RULE_ID_HINT, RULE_ID_PATTERN, type StrictLayer } from '../validation/types.js';

/**
 * The configuration schema: the single source of validation, defaults and the reference
 * documentation (docs/config.md is generated from these descriptions by
 * `npm run docs:config`, and a test keeps the two in sync).
 */

export const AGS = z.string().regex(/^\d{8}$/, 'AGS must be 8 digits');
export const LEIKA = z.string().regex(/^\d{14}$/, 'LeiKa key must be 14 digits');
/** A participant kennung, normalised as header extraction does (gateway/validation/kennung.ts): trimmed, praefix lower-cased. */
export const KENNUNG = z.string().overwrite(normalizeKennung).regex(KENNUNG_PATTERN, 'kennung must look like praefix:kennung');
export const ID = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'ids are lower-case letters, digits, ".", "_" and "-"');

/** `none`, `e2e`, `backoffice` or `prozessschritt:<step>`. */
export const DELEGATION_MODE = z
  .string()
  .regex(/^(none|e2e|backoffice|prozessschritt:[a-z0-9-]+)$/, 'delegation is none, e2e, backoffice or prozessschritt:<step>');

export const PARTICIPANT_KINDS = ['efa-service', 'municipality', 'zsa', 'fachverfahren', 'operator', 'admin'] as const;

/** `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>` (gateway/auth/secrets.ts, `zsa-gateway auth hash-secret`). */
const SECRET_HASH = z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{43,}$/, 'clientSecretHash must be scrypt$N$r$p$salt$hash (zsa-gateway auth hash-secret)');

export const oauthClientSchema = z
  .object({
    clientId: z.string().regex(/^[A-Za-z0-9._~-]{3,128}$/, 'clientId: 3-128 unreserved URL characters').describe('OAuth2 client id (client credentials grant at `POST /token`).'),
    clientSecretHash: SECRET_HASH.describe('scrypt hash of the client secret; the secret itself is never configured. Create with `zsa-gateway auth hash-secret`.'),
    scopes: z
      .array(z.string().regex(/^[a-z-]+(:read)?$/, 'scope is a role (`municipality`) or a read-only role scope (`municipality:read`)'))
      .min(1)
      .optional()
      .describe('Scopes the client may request: its role (`zsa`) and/or the read-only `<role>:read`. Default: its role.'),
  })
  .strict();

export const participantSchema = z
  .object({
    id: ID.describe('Stable participant id used in logs, routes and (later) credentials.'),
    kind: z.enum(PARTICIPANT_KINDS).describe('Role of the participant.'),
    kennung: KENNUNG.describe('The XÖV author/reader kennung the participant uses in message headers, `praefix:kennung`, e.g. `efa:hund-lsa`. Compared as header extraction does: trimmed, the praefix case-insensitive (`PSW:0100` is `psw:0100`), the kennung after the colon exactly.'),
    name: z.string().min(1).describe('Display name.'),
    endpoint: ID.optional().describe('Endpoint where messages addressed to this participant go (replies to the citizen side use the EfA service\'s endpoint).'),
    certFingerprints: z
      .array(z.string().regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'SHA-256 fingerprint, hex with or without colons'))
      .optional()
      .describe('Pinned SHA-256 fingerprints of the participant\'s client certificates; when given, only these are accepted (otherwise the certificate\'s SAN URI `urn:zsa-gateway:participant:<id>` decides).'),
    encryptionKey: z.string().min(1).optional().describe('Path to the participant\'s public encryption JWK (RSA-OAEP-256, ≥ 4096 bit, x5c optional). When set, every delivery to the participant\'s endpoint is a compact JWE to this key (content type `application/jose`); otherwise plain XML.'),
    oauth: oauthClientSchema.optional().describe('OAuth2 client credentials of the participant (second way in besides mTLS; ADR 0012).'),
    services: z.array(ID).optional().describe('For `efa-service` (and optionally `zsa`) participants: the services (ids) it may submit for / whose queues it works. An `efa-service` without it may submit nothing when `auth.mode` is `required`.'),
  })
  .strict();

export const acceptsSchema = z
  .object({
    standard: z.string().min(1).describe('XÖV standard (root attribute `standard`), e.g. `XZSA`.'),
    version: z.string().min(1).describe('Version of the standard the receiver reads (root attribute `version`), e.g. `1.1`.'),
  })
  .strict();

export const endpointSchema = z
  .object({
    id: ID.describe('Endpoint id referenced by services, municipalities and participants.'),
    connector: z.string().min(1).describe('Connector name: one of connectors/index.ts — `mailbox`, `amqp091`, `http` or `filedrop` (local directory or SFTP) (each documented in its connectors/<name>/README.md).'),
    config: z.record(z.string(), z.unknown()).default({}).describe('Connector configuration, validated by the connector\'s own schema.'),
    maxInFlight: z.number().int().min(1).max(1024).optional().describe('Concurrent deliveries to this endpoint (default: the connector\'s).'),
    accepts: z
      .array(acceptsSchema)
      .min(1)
      .optional()
      .describe('The standard versions the receiver behind this endpoint reads. A message of another version of a listed standard is mapped by the version mapping whose target is a listed version (state `mapped`, ADR 0020); a mapping named on the route rule wins. Absent: messages go in the version they came in.'),
  })
  .strict();

export const serviceSchema = z
  .object({
    id: ID.describe('Service id, e.g. `hund`, `wohngeld`; delegations are set per service.'),
    name: z.string().min(1).describe('Display name, e.g. "Hundehaltung".'),
    leika: z.array(LEIKA).default([]).describe('LeiKa keys that belong to this service (messages are assigned to the service by their LeiKa key). Empty for a service that only routes name (`routes[].service`), for standards without LeiKa key.'),
    zsaEndpoint: ID.describe('Endpoint of the ZSA work queue for this service (route target `zsa`).'),
    releases: z
      .array(
        z
          .object({
            draft: z.string().min(1).describe('Message type of a draft the ZSA prepares as Verwaltungshelfer (e.g. `hund.steuerfestsetzung.0102`).'),
            release: z.string().min(1).describe('Message type of the municipality\'s release of that draft (e.g. `hund.freigabe.0103`).'),
          })
          .strict(),
      )
      .default([])
      .describe('Verwaltungshelfer rule: a draft never goes to the citizen\'s side, and a release is accepted only from the municipality responsible for the AGS (or its Fachverfahren) and only for a Vorgang that holds the draft.'),
    retention: z
      .object({
        closedBy: z.array(z.string().min(1)).min(1).describe('Message types that close a Vorgang once delivered (e.g. `hund.freigabe.0103`, `hund.abmeldung.0104`); see ADR 0013.'),
        deleteAfterDays: z.number().int().min(0).max(36_500).describe('Days after the close after which payloads and attachment files of the Vorgang are deleted; metadata, history, receipts and audit stay.'),
      })
      .strict()
      .optional()
      .describe('DSGVO retention (`zsa-gateway retention run`). Absent: payloads of this service are kept.'),
    evidence: evidenceSchema.optional().describe('Evidence cross-check (ADR 0023): every entry of a message\'s evidence list must name the hash of an attachment of the message or of an earlier message of its Vorgang (GW_EVIDENCE_MISMATCH). Absent: no check.'),
    caseMatches: z.array(caseMatchSchema).default([]).describe('Values a message must take from an earlier message of its Vorgang (ADR 0024), e.g. the SEPA mandate on a Bescheid must be the one the application gave (GW_CASE_MISMATCH).'),
    deadlines: z.array(deadlineSchema).default([]).describe('Deadlines of the case (ADR 0023), e.g. a Nachforderung unanswered: reminder, then close as incomplete.'),
  })
  .strict();

export const municipalitySchema = z
  .object({
    ags: AGS.describe('Official municipality key (8 digits). Messages may name the municipality by this AGS or by its 12-digit ARS.'),
    ars: z.string().regex(/^\d{12}$/, 'ARS must be 12 digits').optional()
      .describe('Official regional key (12 digits), for reference; checked at start against `ags` (digits 1-5 and 10-12 of the ARS are the AGS).'),
    name: z.string().min(1).describe('Name of the municipality.'),
    participant: ID.optional().describe('The municipality\'s own participant id.'),
    delegations: z.record(ID, DELEGATION_MODE).default({}).describe('Per service: `none`, `e2e`, `backoffice` or `prozessschritt:<step>`. Services not listed count as `none`. Can be switched at runtime (admin API / CLI).'),
    fachverfahren: z.record(ID, ID).default({}).describe('Per service: endpoint of the municipality\'s Fachverfahren (route target `fachverfahren`).'),
  })
  .strict();

const LAYER_MODE = z.enum(['reject', 'warn']).optional();

export const TARGET = z
  .string()
  .regex(/^(zsa|fachverfahren|origin|reader|endpoint:[a-z0-9][a-z0-9._-]*)$/, 'target is zsa, fachverfahren, origin, reader or endpoint:<id>');

export const routeTargetSchema = z
  .object({
    when: z
      .object({
        delegation: z.array(z.string().regex(/^(any|none|e2e|backoffice|prozessschritt:[a-z0-9-]+)$/)).min(1).optional()
          .describe('The rule applies when the municipality\'s current delegation of the service is one of these (`any` = any mode but `none`).'),
        test: z.boolean().optional().describe('The rule applies only to test (`true`) or only to production (`false`) traffic.'),
        author: z.array(z.enum(['efa-service', 'municipality', 'fachverfahren', 'zsa'])).min(1).optional()
          .describe('The rule applies when the author is a participant of one of these kinds. Lets one message type take different paths by who wrote it, e.g. under `backoffice` the ZSA\'s Nachforderung goes to the Fachverfahren and the municipality\'s forwarded one to the citizen (ADR 0021). Who may author at all is the route\'s `from`.'),
      })
      .strict()
      .optional()
      .describe('Condition; a rule without `when` always applies. All conditions given must hold.'),
    to: TARGET.describe('`zsa` (the service\'s ZSA queue), `fachverfahren` (the municipality\'s Fachverfahren), `origin` (the participant that opened the Vorgang: the citizen\'s side), `reader` (the participant named as reader), or `endpoint:<id>`.'),
    mapping: ID.optional().describe('Mapping (folder name under `mappings.dirs`) applied for this target before the message is queued: the mapped form is stored with the message and delivered instead of the XML (state `mapped`, ADR 0020). A mapping that fails leaves the message `dead` (replayable) with mapping and rule named. Must exist at start.'),
  })
  .strict();

/** Who may author a route's messages, relative to the message's case (gateway/routing/remit.ts). */
export const AUTHOR_PARTIES = ['origin', 'efa-service', 'municipality', 'fachverfahren', 'zsa'] as const;

export const routeAuthorSchema = z
  .object({
    party: z
      .array(z.enum(AUTHOR_PARTIES))
      .min(1)
      .describe('`origin` (the author of the Vorgang\'s opening message, for follow-ups), `efa-service` (an EfA service configured for the message\'s service), `municipality` (the municipality of the AGS), `fachverfahren` (that municipality\'s Fachverfahren for the service), `zsa` (the ZSA, only where the municipality delegated the service).'),
    when: z
      .object({
        delegation: z.array(z.string().regex(/^(any|none|e2e|backoffice|prozessschritt:[a-z0-9-]+)$/)).min(1)
          .describe('The entry applies when the municipality\'s current delegation of the service is one of these (`any` = any mode but `none`).'),
      })
      .strict()
      .optional()
      .describe('Condition; an entry without `when` always applies.'),
  })
  .strict();

export const routeSchema = z
  .object({
    name: ID.describe('Route name, shown in the message history.'),
    match: z
      .object({
        messageType: z
          .union([z.string(), z.array(z.string()).min(1)])
          .describe('Message type(s) (root element names) this route handles; a trailing `*` matches any suffix (`kommunal.*`).'),
        ags: z.array(AGS).optional().describe('Restrict to these municipalities.'),
        standard: z.string().min(1).optional().describe('Restrict to messages of this XÖV standard (root attribute `standard`, e.g. `XBeteiligung`).'),
        version: z.string().min(1).optional().describe('Restrict to this version of the standard (root attribute `version`).'),
        reader: z.array(KENNUNG).min(1).optional().describe('Restrict to messages whose header `leser` kennung is one of these (praefix case-insensitive, as for `participants[].kennung`).'),
      })
      .strict(),
    passThrough: z.boolean().optional().describe('Pass-through: the body is a compact JWE the gateway never decrypts; it routes on the headers X-Message-UUID, X-Message-Type, X-Author, X-Reader, X-Vorgang-Id, X-LeiKa, X-AGS, stores the JWE as is (sealed at rest) and delivers it unchanged.'),
    from: z
      .array(routeAuthorSchema)
      .min(1)
      .optional()
      .describe('Who may author the route\'s messages; any entry that applies admits the author. Absent: an opening message (`startsVorgang`) may come from any participant within its remit, a follow-up only from a party of its Vorgang. Either way the remit (own AGS, own services, Verwaltungshelfer limits) is checked, and `gateway.*` types are never accepted from a participant (docs/security.md).'),
    startsVorgang: z.boolean().default(false).describe('Messages of this route open a new Vorgang; other messages must belong to a known Vorgang.'),
    service: ID.optional().describe('Service of the messages when their standard carries no LeiKa key (foreign standards); otherwise the LeiKa key decides.'),
    strictness: z
      .object({
        ...({ xsd: LAYER_MODE, identity: LAYER_MODE, codelist: LAYER_MODE, header: LAYER_MODE, rules: LAYER_MODE } satisfies Record<StrictLayer, typeof LAYER_MODE>),
        byRule: z
          .record(z.string().regex(RULE_ID_PATTERN, RULE_ID_HINT), z.enum(['reject', 'warn']))
          .optional()
          .describe('Per finding rule (e.g. `codelist.unknown-version`, `header.key-missing`, `rules.<service rule id>`): `reject` or `warn`; beats the layer setting. Rules not named follow their layer (`header.key-missing` warns unless set to `reject`).'),
      })
      .strict()
      .optional()
      .describe('Per validation layer (`xsd`, `identity`, `codelist`, `header`, `rules`): `reject` or only `warn` (the warning is stored with the message), and per rule (`byRule`). What is not named keeps the standard\'s default (its descriptor). Well-formedness, limits and required routing keys always reject.'),
    targets: z.array(routeTargetSchema).min(1).describe('Rules in order; the first whose `when` holds decides the target.'),
  })
  .strict();

const backoffSchema = z
  .object({
    initialMs: z.number().int().min(1).default(1000).describe('Delay before the second attempt.'),
    multiplier: z.number().min(1).default(2).describe('Factor per further attempt.'),
    maxMs: z.number().int().min(1).default(300_000).describe('Upper bound of one delay.'),
    jitter: z.number().min(0).max(1).default(0.2).describe('Random spread (±fraction) against thundering herds.'),
  })
  .strict();

export const deliverySchema = z
  .object({
    maxAttempts: z.number().int().min(1).default(10).describe('Attempts before a message goes `dead`.'),
    backoff: backoffSchema.default(backoffSchema.parse({})),
    leaseMs: z.number().int().min(1000).default(120_000).describe('How long a claimed outbox item stays reserved for one gateway process.'),
    timeoutMs: z.number().int().min(100).default(30_000).describe('Upper bound of one delivery attempt.'),
    pollMs: z.number().int().min(10).default(500).describe('How often the worker looks for due items when nothing wakes it.'),
    batchSize: z.number().int().min(1).default(200).describe('Outbox items claimed per round.'),
    circuitBreaker: z
      .object({
        failureThreshold: z.number().int().min(1).default(5).describe('Consecutive failures that open the circuit of an endpoint.'),
        cooldownMs: z.number().int().min(10).default(30_000).describe('How long an open circuit waits before one trial delivery.'),
      })
      .strict()
      .default({ failureThreshold: 5, cooldownMs: 30_000 }),
    shutdownGraceMs: z.number().int().min(0).default(10_000).describe('On shutdown, how long in-flight deliveries may finish before they are released.'),
  })
  .strict();

export const serverSchema = z
  .object({
    host: z.string().default('0.0.0.0').describe('Listen address.'),
    port: z.number().int().min(0).max(65535).default(8080).describe('Listen port (env `PORT` overrides).'),
    maxMessageBytes: z.number().int().min(1024).default(20 * 1024 * 1024).describe('Largest XML message accepted.'),
    maxAttachmentBytes: z.number().int().min(1024).default(100 * 1024 * 1024).describe('Largest single attachment accepted.'),
    maxAttachments: z.number().int().min(0).default(50).describe('Most attachments per message.'),
    uploadBudgetBytesPerHour: z.number().int().min(1024).default(5 * 1024 * 1024 * 1024).describe('Attachment bytes one participant may store per hour (uploads and message attachments), in memory per instance; over it uploads are answered 429 GW_UPLOAD_BUDGET_EXCEEDED with Retry-After (ADR 0016).'),
    headersTimeoutMs: z.number().int().min(1000).max(600_000).default(20_000).describe('A client must send the complete request head (request line and headers) within this time, or the connection is cut off (slow-header attacks; Node `server.headersTimeout`).'),
    requestTimeoutMs: z.number().int().min(0).max(86_400_000).default(600_000).describe('A client must send the whole request (head and body) within this time, or it is answered 408 and cut off (Node `server.requestTimeout`; 0 = no limit). Large enough for `maxAttachmentBytes` at the slowest client you accept.'),
    keepAliveTimeoutMs: z.number().int().min(1000).max(600_000).default(65_000).describe('How long an idle keep-alive connection stays open (longer than the idle timeout of a load balancer in front).'),
    tls: z
      .object({
        certFile: z.string().min(1).describe('PEM server certificate (with chain) of the gateway.'),
        keyFile: z.string().min(1).describe('PEM private key of the server certificate.'),
        caFile: z.string().min(1).describe('PEM CA certificates that sign participants\' client certificates.'),
        crlFile: z.string().min(1).optional().describe('PEM certificate revocation list; re-read when the file changes (see `crlCheckIntervalMs`) and on SIGHUP. An unusable new file is logged and the previous list stays in force.'),
        crlCheckIntervalMs: z.number().int().min(0).max(3_600_000).optional().describe('Default 1000. How often, at most, the CRL file\'s modification time is checked (on the next connection); a revoked certificate is refused from the first check after the file changed.'),
        clientAuth: z
          .enum(['required', 'off'])
          .default('required')
          .describe('`required`: every /api/v1 call needs a client certificate of a configured participant (mTLS); `off`: TLS only.'),
      })
      .strict()
      .optional()
      .describe('Serve HTTPS (and mTLS for system participants). Without it the gateway serves plain HTTP (development, or behind a TLS-terminating proxy).'),
  })
  .strict()
  .refine((s) => s.requestTimeoutMs === 0 || s.headersTimeoutMs <= s.requestTimeoutMs, { message: 'headersTimeoutMs must not exceed requestTimeoutMs', path: ['headersTimeoutMs'] });

export const tokenRateLimitSchema = z
  .object({
    failuresPerClient: z.number().int().min(1).max(10_000).default(10).describe('Failed attempts for one client id within `windowSeconds` that lock that client id out (known or unknown ids alike).'),
    failuresPerAddress: z.number().int().min(1).max(100_000).default(30).describe('Failed attempts from one remote address (IPv6: its /64 prefix) within `windowSeconds` that lock the address out (higher than per client: several clients may share a NAT address).'),
    windowSeconds: z.number().int().min(1).max(86_400).default(60).describe('Sliding window in which failures are counted.'),
    lockoutSeconds: z.number().int().min(1).max(86_400).default(300).describe('First lockout; each further lockout of the same key doubles it, up to `maxLockoutSeconds`. During a lockout even the right secret is answered 429 with Retry-After.'),
    maxLockoutSeconds: z.number().int().min(1).max(604_800).default(86_400).describe('Longest lockout.'),
    forgetAfterSeconds: z.number().int().min(1).max(604_800).default(86_400).describe('After this long without a failure a key\'s lockouts are forgotten (the next lockout is `lockoutSeconds` again).'),
    maxTrackedKeys: z.number().int().min(100).max(10_000_000).default(100_000).describe('Client ids and addresses tracked at most; the least recently seen is forgotten first (bounds memory at roughly 200 bytes per key).'),
  })
  .strict();

export const authSchema = z
  .object({
    mode: z
      .enum(['off', 'required'])
      .default('off')
      .describe('`off`: every /api/v1 caller is treated as the local admin (development; mTLS still applies when `server.tls.clientAuth` is `required`); `required`: every call needs a client certificate or a Bearer token from `POST /token`, and roles are enforced (ADR 0012).'),
    issuer: z.string().min(1).default('urn:zsa-gateway').describe('`iss` of the access tokens the gateway issues and accepts.'),
    audience: z.string().min(1).default('urn:zsa-gateway:api').describe('`aud` of the access tokens.'),
    tokenTtlSeconds: z.number().int().min(30).max(3600).default(300).describe('Lifetime of an access token.'),
    tokenKeyFile: z.string().min(1).optional().describe('Private EC P-256 JWK (ES256) that signs access tokens. Default: `<dataDir>/keys/gateway-token.private.jwk.json`, generated on first use as a development key.'),
    breakGlassMaxMinutes: z.number().int().min(1).max(1440).default(240).describe('Longest break-glass grant an admin may record.'),
    tokenRateLimit: tokenRateLimitSchema.default(tokenRateLimitSchema.parse({})).describe('Failed-attempt limits of `POST /token`, in memory per gateway instance (ADR 0016).'),
  })
  .strict();

export const amqpIngressSchema = z
  .object({
    id: ID.describe('Name of this inbound channel (logs, rejection log `amqp:<id>`).'),
    url: z.string().regex(/^amqps?:\/\/[^/]/, 'url must start with amqp:// or amqps://').describe('Broker URL.'),
    queue: z.string().min(1).max(255).describe('Existing durable queue the gateway consumes replies (Rückkanal) from; each message is fed to the same ingress as HTTP and acknowledged only after it is stored.'),
    prefetch: z.number().int().min(1).max(1000).default(16).describe('Unacknowledged messages in flight at once.'),
    authors: z
      .array(ID)
      .min(1)
      .describe(
        'Participants (ids) whose messages this queue carries, e.g. `[zsa-lsa]`. The queue has no login: a message whose `autor` is any other participant is refused (`GW_FORBIDDEN`, rule `ingress.channel`), so whoever may publish to it cannot write in the name of a municipality. Give each kind of sender its own queue and restrict publishing on the broker.',
      ),
  })
  .strict();

export const ingressConnectorSchema = z
  .object({
    id: ID.describe('Name of this inbound channel (logs, metrics, the monitoring UI); unique among `ingress.connectors` and `ingress.amqp`.'),
    connector: z.string().min(1).describe('Connector name with an ingress side: one of connectors/index.ts whose direction is `ingress` or `both` (e.g. `amqp091`; each documented in its connectors/<name>/README.md).'),
    authors: z
      .array(ID)
      .min(1)
      .describe(
        'Participants (ids) whose messages this channel carries. The channel has no login: a message whose `autor` is any other participant is refused (`GW_FORBIDDEN`, rule `ingress.channel`). With exactly one author, JSON, CSV and dialect XML items are mapped with that participant\'s ingress mappings (`mappings.ingress`).',
      ),
    config: z.record(z.string(), z.unknown()).default({}).describe('Connector configuration, validated by the connector\'s own (ingress) schema.'),
  })
  .strict();

const atRestSchema = z
  .object({
    keys: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'key ids are 1-64 of [A-Za-z0-9._-]').describe('Key id, stored with every sealed payload and file.'),
            key: z.string().min(1).optional().describe('The key: base64 of 32 random bytes.'),
            keyFile: z.string().min(1).optional().describe('File holding the base64 key instead of `key`.'),
          })
          .strict()
          .refine((k) => (k.key === undefined) !== (k.keyFile === undefined), 'give exactly one of key and keyFile'),
      )
      .min(1)
      .describe('All keys that may have sealed stored data; remove one only when no stored data names it: `zsa-gateway keys rewrap` moves everything to the active key first (docs/operations.md).'),
    active: z.string().min(1).describe('Id of the key that seals new data.'),
  })
  .strict()
  .refine((a) => a.keys.some((k) => k.id === a.active), { message: 'active must name one of keys', path: ['active'] });

/**
 * Admission control at ingress (ADR 0036): when the store or the outbox falls behind, new
 * messages are refused with 503 GW_OVERLOADED and `Retry-After` instead of growing queues;
 * a client over its share of the in-flight requests gets 429 GW_CLIENT_OVER_SHARE.
 */
export const admissionSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Off: every request is taken as before (queues and latency grow under overload).'),
    maxPendingWrites: z.number().int().min(1).default(2000).describe('Refuse (503) while more store writes than this wait for their commit.'),
    maxOldestPendingMs: z.number().int().min(1).default(1000).describe('Refuse (503) while the oldest waiting store write has waited longer than this (ms).'),
    maxCommitMs: z.number().int().min(1).default(500).describe('Refuse (503) after a store write batch took longer than this (ms) from BEGIN to the end of COMMIT (a batch that failed on a held write lock counts), for `commitHoldMs` after it.'),
    commitHoldMs: z.number().int().min(100).default(2000).describe('How long one slow commit keeps ingress refusing (ms); the next commit after that decides again, so the gateway recovers without a probe.'),
    maxOutboxBacklog: z.number().int().min(1).default(1_000_000).describe('Refuse (503) while more messages than this wait in the outbox (not dead, all endpoints together; read from the running counts every `refreshMs`).'),
    maxInFlight: z.number().int().min(1).default(256).describe('Ingress requests in flight at once (HTTP messages, FIT-Connect uploads and submits, ingress connectors). While this many are in flight, a client at or over its fair share (this divided by the clients sending now) gets 429.'),
    maxInFlightPerClient: z.number().int().min(1).default(64).describe('Ingress requests one client (participant, or address without login) may have in flight at once; more get 429.'),
    retryAfterSeconds: z.number().int().min(1).max(3600).default(2).describe('`Retry-After` of a 503 or 429 from admission control (seconds).'),
    refreshMs: z.number().int().min(50).default(500).describe('How often the outbox backlog is read from the store (ms).'),
  })
  .strict();

/** Media types a submission may be mapped from at ingress (ADR 0020, ADR 0025). */
export const INGRESS_MEDIA_TYPES = ['application/json', 'text/csv', 'application/xml'] as const;
export type IngressMediaType = (typeof INGRESS_MEDIA_TYPES)[number];

export const ingressMappingSchema = z
  .object({
    mapping: ID.describe('Mapping (folder name) from the submitted document to an XÖV message, e.g. `efa-hund-form-to-xzsa`, `fv-csv-to-xzsa`.'),
    mediaType: z
      .enum(INGRESS_MEDIA_TYPES)
      .default('application/json')
      .describe('Media type of the submitted document (the request\'s, or the multipart `message` part\'s): `application/json` (EfA form data, a REST dialect), `text/csv` (a file dialect), `application/xml` (an XML dialect whose root is not an XÖV message).'),
    formId: z.string().min(1).optional().describe('JSON: the value of the form id field that selects this mapping (required for `application/json`).'),
    formIdField: z
      .string()
      .regex(/^(\/[^/]+)+$/, 'a JSON pointer such as /meta/kind')
      .optional()
      .describe('JSON: pointer of the field holding `formId` in this dialect. Default: `mappings.formIdField`.'),
    root: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9._-]{0,127}$/, 'an XML element name without prefix')
      .optional()
      .describe('XML: local name of the root element that selects this mapping (required for `application/xml`), e.g. `HSTX_BESCHEID`.'),
    namespace: z.string().min(1).optional().describe('XML: namespace of that root element. Absent: the root must be in no namespace.'),
    record: z
      .string()
      .min(1)
      .optional()
      .describe('CSV: the value of the first field of the first data record (the record type, e.g. `RM`) that selects this mapping. Absent: any CSV of this author.'),
    records: z
      .enum(['one', 'many'])
      .optional()
      .describe('CSV: `one` (default) refuses a file with more than one data record (`GW_MAPPING_FAILED`, rule `ingress.records`): a mapping that reads the first record would drop the others silently. `many` for mappings that read every record.'),
    authors: z
      .array(ID)
      .min(1)
      .optional()
      .describe('Participants (ids) whose documents this mapping takes, and the only authors the mapped message may name. Required for `text/csv` and `application/xml`: a dialect belongs to its participants; from anybody else the document is refused (`GW_DIALECT_NOT_CONFIGURED`).'),
    services: z.array(ID).min(1).optional().describe('Only for authors whose participant lists one of these services (`participants[].services`). Absent: any author.'),
  })
  .strict()
  .superRefine((e, ctx) => {
    const need = (ok: boolean, path: string, message: string) => ok || ctx.addIssue({ code: 'custom', path: [path], message });
    need(e.mediaType !== 'application/json' || e.formId !== undefined, 'formId', 'a JSON ingress mapping needs formId');
    need(e.mediaType !== 'application/xml' || e.root !== undefined, 'root', 'an XML ingress mapping needs root');
    need(e.mediaType === 'application/json' || e.authors !== undefined, 'authors', `a ${e.mediaType} ingress mapping needs authors (a dialect belongs to its participants)`);
    need(e.mediaType === 'application/json' || (e.formId === undefined && e.formIdField === undefined), 'formId', 'formId and formIdField are for application/json only');
    need(e.mediaType === 'application/xml' || (e.root === undefined && e.namespace === undefined), 'root', 'root and namespace are for application/xml only');
    need(e.mediaType === 'text/csv' || (e.record === undefined && e.records === undefined), 'record', 'record and records are for text/csv only');
  });

export const mappingsSchema = z
  .object({
    dirs: z.array(z.string().min(1)).min(1).default(['./mappings']).describe('Folders of mappings (`<name>/mapping.yaml` below each), compiled once at start; every problem of every file is listed.'),
    formIdField: z
      .string()
      .regex(/^(\/[^/]+)+$/, 'a JSON pointer such as /form/id')
      .default('/form/id')
      .describe('JSON pointer of the form id in a JSON submission (`POST /api/v1/messages` with `application/json`).'),
    ingress: z
      .array(ingressMappingSchema)
      .default([])
      .describe('Submissions mapped to XÖV at ingress: EfA form JSON, and the answers of Fachverfahren in their own dialect (JSON, CSV, XML). The first entry whose media type, selector (`formId`, `root`, `record`), `authors` and `services` fit chooses the mapping; the result is validated, routed and stored like any XML message and the submitted document is kept as the message\'s `original` form (ADR 0020, ADR 0025).'),
  })
  .strict();

/** A destination id: a UUID, kept in lower case (FIT-Connect destination ids are UUIDs, compared case-insensitively). */
const DESTINATION_ID = z
  .string()
  .overwrite((v) => v.trim().toLowerCase())
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'destination id must be a UUID');

export const fitConnectServiceSchema = z
  .object({
    leika: LEIKA.describe('LeiKa key of the public service; published as `urn:de:fim:leika:leistung:<key>` (FIT-Connect `publicService.identifier`).'),
    service: ID.describe('The gateway service (`services[].id`) the submissions belong to, e.g. `hund`.'),
    submissionSchema: z
      .object({
        uri: z.string().url().describe('`schemaUri` of the form data (FIT-Connect `submissionSchemas[].schemaUri`); the sender names it in the metadata (`contentStructure.data.submissionSchema.schemaUri`).'),
        mimeType: z.literal('application/json').default('application/json').describe('Media type of the form data; only JSON forms are mapped.'),
        file: z.string().min(1).describe('The JSON Schema (draft 2020-12) the form data is validated against, relative to the working directory or the package (`gateway/fitconnect/schemas/...`).'),
      })
      .strict(),
  })
  .strict();

export const fitConnectDestinationSchema = z
  .object({
    id: DESTINATION_ID.describe('The destination id (FIT-Connect `destinationId`), a UUID; senders address it, and the gateway answers it as the entry point (ADR 0027, ADR 0028).'),
    participant: ID.describe('The participant whose remit the destination is (a municipality or the ZSA): it subscribes (lists, fetches, accepts, rejects) its submissions; the ZSA may also where the municipality delegated the service.'),
    areas: z.array(z.string().regex(/^(\d{8}|\d{12})$/, 'an area is an AGS (8 digits) or an ARS (12 digits)')).min(1).describe('AGS/ARS the destination serves; the form\'s municipality key must be one of them.'),
    services: z.array(fitConnectServiceSchema).min(1).describe('Public services the destination accepts submissions for.'),
    subscriberSigningKeys: z
      .array(z.string().min(1))
      .default([])
      .describe('Paths to the public PS512 JWKs (RSA ≥ 4096) the destination\'s subscriber signs its accept-submission and reject-submission SETs with (`iss` = the destination id). When given, an event whose signature does not verify against one of them is refused; they are also served at `/v1/destinations/{id}/keys/{kid}`. Empty: the destination takes no accept/reject event over the FIT-Connect API (fail closed: an unverifiable SET is refused, ADR 0041).'),
    encryptionKey: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'a kid').describe('kid of the destination\'s encryption key, a key the gateway holds: the key of `crypto.jwe.keys` with this kid; when none has it (the embedded default), a DEVELOPMENT key with this kid is generated under `<dataDir>/keys/fit-connect/` on first use, with a warning in the log.'),
    callback: z
      .object({
        url: z.string().min(1).describe('Where new submissions are announced (HTTP POST with HMAC-SHA512 headers). https only; http to a loopback host only when `auth.mode` is `off` (development); no user info, no link-local, unspecified or (in production) loopback address.'),
        secretRef: z
          .string()
          .regex(/^(env:[A-Z_][A-Z0-9_]*|file:.+)$/, 'secretRef is env:<VARIABLE> or file:<path>')
          .describe('Where the callback secret is read at start: `env:<VARIABLE>` or `file:<path>`; at least 32 characters. The secret itself is never written in the configuration.'),
      })
      .strict()
      .optional()
      .describe('Callback (webhook) of the destination, as FIT-Connect destinations configure it.'),
  })
  .strict();

export const fitConnectSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Serve the FIT-Connect-compatible Submission API and Routing API (ADR 0027, ADR 0028, docs/fit-connect.md).'),
    basePath: z.string().regex(/^(\/[a-z0-9-]+)+$/, 'a path such as /fit-connect').default('/fit-connect').describe('Where the APIs are mounted: a FIT-Connect SDK is configured with `<gateway>/fit-connect` as its Submission API base URL; the Routing API is at `<basePath>/routing/v1`.'),
    destinations: z.array(fitConnectDestinationSchema).default([]).describe('Destinations (Zustellpunkte) the gateway serves.'),
  })
  .strict();

export const xtaAccountSchema = z
  .object({
    identifier: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .describe('The XTA account: the `Party/Identifier` value the Fachverfahren sends in the SOAP header (and as author/reader in `MessageMetaData`). Compared exactly (after trimming); another spelling is another, unknown account.'),
    participant: ID.describe('The participant (id) the account belongs to. A caller may use the account only when its client certificate (or token) is this participant\'s.'),
    mailbox: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).optional().describe('The pull mailbox the account\'s message box shows (`getStatusList`, `getMessage`, `close`). Default: the mailbox of the participant\'s endpoint. Must be one of the participant\'s mailboxes.'),
  })
  .strict();

export const xtaSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Serve the XTA 2 web service (version 5.1.1, core 3.1.1; ADR 0040, docs/xta.md).'),
    basePath: z.string().regex(/^(\/[a-z0-9-]+)+$/, 'a path such as /xta').default('/xta').describe('Where the service is mounted: ports at `<basePath>/transport-base`, `<basePath>/sender`, `<basePath>/recipient`; the WSDL at `<basePath>?wsdl`.'),
    instance: z.string().regex(/^[A-Za-z0-9_.-]{1,41}$/, '1-41 letters, digits, _ . -').default('zsa-gateway').describe('The Sender-Kennung in the XTAMessageIDs the gateway creates (`urn:de:xta:messageid:<instance>:<uuid>`).'),
    accounts: z.array(xtaAccountSchema).default([]).describe('XTA accounts and the participants they belong to.'),
  })
  .strict();

const alertBase = {
  id: ID.describe('Rule id, named in alert events, the log, `GET /api/v1/alerts` and the metric `zsa_gateway_alerts_active{rule}`.'),
  severity: z.enum(['warning', 'critical']).default('warning').describe('Carried in the alert event for the receiver to route on.'),
};
const ENDPOINT_FILTER = ID.optional().describe('Only this endpoint. Absent: every endpoint, one alert per endpoint that breaks the rule.');

export const alertRuleSchema = z.discriminatedUnion('kind', [
  z
    .object({ ...alertBase, kind: z.literal('backlog').describe('Messages not yet delivered (not dead) at an endpoint exceed `threshold`.'), threshold: z.number().int().min(0).describe('Fires when the backlog is above this number.'), endpoint: ENDPOINT_FILTER })
    .strict(),
  z
    .object({ ...alertBase, kind: z.literal('oldest-undelivered').describe('The oldest message not yet delivered at an endpoint is older than `olderThanSeconds`.'), olderThanSeconds: z.number().int().min(1).describe('Age in seconds.'), endpoint: ENDPOINT_FILTER })
    .strict(),
  z
    .object({ ...alertBase, kind: z.literal('dead-letters').describe('Dead messages at an endpoint exceed `threshold` (default 0: any dead letter fires; replaying them resolves it).'), threshold: z.number().int().min(0).default(0).describe('Fires when the number of dead messages is above this.'), endpoint: ENDPOINT_FILTER })
    .strict(),
  z
    .object({ ...alertBase, kind: z.literal('endpoint-down').describe('An endpoint has been down (not connected, or its circuit not closed) for longer than `forSeconds`, as seen by consecutive evaluations.'), forSeconds: z.number().int().min(0).describe('How long it must stay down.'), endpoint: ENDPOINT_FILTER })
    .strict(),
  z
    .object({ ...alertBase, kind: z.literal('certificate-expiry').describe('A certificate the gateway holds or trusts (server certificate, participant CA, certificates of participants\' encryption keys) expires within `withinDays` (or has expired).'), withinDays: z.number().int().min(1).max(3650).describe('Days before notAfter.') })
    .strict(),
]);

export const monitoringSchema = z
  .object({
    evaluateIntervalMs: z.number().int().min(1000).max(3_600_000).default(60_000).describe('How often the alert rules are evaluated.'),
    webhook: z
      .object({
        url: z.string().min(1).describe('Receiver of alert events (POST JSON, `firing` and `resolved`). `https:`; plain `http:` only to a loopback host and only with `auth.mode: off` (development).'),
        timeoutMs: z.number().int().min(100).max(60_000).default(5000).describe('Timeout of one POST.'),
        maxAttempts: z.number().int().min(1).max(20).default(5).describe('Attempts per event (exponential backoff from 1 s); a non-2xx answer or network error is retried, then the event is logged as undelivered.'),
        bearerTokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional().describe('Name of an environment variable holding a token sent as `Authorization: Bearer` (the token itself is never configured).'),
      })
      .strict()
      .optional()
      .describe('Alert webhook. Absent: alerts go to the log and `GET /api/v1/alerts` only.'),
    recentAlerts: z.number().int().min(0).max(10_000).default(200).describe('Resolved alerts kept in memory for `GET /api/v1/alerts`.'),
    alerts: z.array(alertRuleSchema).default([]).describe('Alert rules (ADR 0029, docs/metrics.md).'),
  })
  .strict();

export const retentionSchema = z
  .object({
    deleteRecordsAfterDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .optional()
      .describe('Days after the payloads of a Vorgang were purged (`services[].retention`) after which its records go too, the whole Vorgang at once once every message is final: message rows, transitions, forms, outbox and mailbox rows, case events. A tombstone per message stays in the retention log and the audit log (never pruned). Absent (the default): records are kept for ever.'),
    batchSize: z.number().int().min(1).max(10_000).default(1000).describe('Vorgänge whose records one pass of `retention run` deletes together (one transaction, one fsync).'),
  })
  .strict();

export const configSchema = z
  .object({
    server: serverSchema.default(serverSchema.parse({})),
    store: z
      .object({
        kind: z.literal('sqlite').default('sqlite').describe('Store backend (embedded default: `sqlite`).'),
        dataDir: z.string().default('./data').describe('Folder for the database file and attachments.'),
      })
      .strict()
      .default({ kind: 'sqlite', dataDir: './data' }),
    crypto: z
      .object({
        signingKeyFile: z.string().min(1).optional().describe('Private JWK (RSA ≥ 4096, PS512) that signs receipts and events. Default: `<dataDir>/keys/gateway-sig.private.jwk.json`, generated on first use as a development key.'),
        retiredSigningKeyFiles: z
          .array(z.string().min(1))
          .optional()
          .describe('Earlier receipt signing keys (public JWKs, or the old private JWK files of which only the public half is used), published in `/.well-known/jwks.json` beside the current key so receipts, events and proof bundles signed before a rotation still verify; never used to sign. Remove one when nothing it signed needs verifying any more (docs/operations.md).'),
        routingSigningKeyFile: z.string().min(1).optional().describe('Private JWK (RSA ≥ 4096, PS512) that signs FIT-Connect routing results (`destinationSignature`, `destinationParametersSignature`; ADR 0028). Default: `<dataDir>/keys/gateway-routing-sig.private.jwk.json`, generated on first use as a development key.'),
        issuer: z.string().url().optional().describe('The gateway\'s id URL, the `iss` of its signed receipts and events. Default: its own base URL.'),
        atRest: atRestSchema.optional().describe('Keys that seal payloads and attachments at rest (AES-256-GCM). Default: `<dataDir>/keys/at-rest.json`, generated on first start (mode 0600) as a development key.'),
        jwe: z
          .object({ keys: z.array(z.string().min(1)).describe('Paths to the gateway\'s private encryption JWKs (RSA-OAEP-256, ≥ 4096 bit), by `kid`. Empty: an encrypted (JWE) body is refused with GW_JWE_KEY_UNKNOWN.') })
          .strict()
          .optional()
          .describe('The gateway\'s own JWE decryption keys (inbound encrypted payloads).'),
      })
      .strict()
      .default({}),
    mappings: mappingsSchema.default(mappingsSchema.parse({})),
    schemas: z
      .object({ roots: z.array(z.string().min(1)).min(1).default(['./schemas-xoev']).describe('Folders of XÖV schema sets (`<standard>/<version>/standard.yaml` below each).') })
      .strict()
      .default({ roots: ['./schemas-xoev'] }),
    deadlines: deadlineWatcherSchema.default(deadlineWatcherSchema.parse({})).describe('The deadline watcher (`services[].deadlines`, ADR 0023).'),
    mailbox: z.object({ leaseMs: z.number().int().min(1000).default(300_000).describe('How long a fetched mailbox message stays hidden before it reappears unacknowledged.') }).strict().default({ leaseMs: 300_000 }),
    delivery: deliverySchema.default(deliverySchema.parse({})),
    ingress: z
      .object({
        connectors: z
          .array(ingressConnectorSchema)
          .default([])
          .describe('Inbound channels: ingress connectors (reply queue, inbox folder, …) whose items go through the same pipeline as HTTP and are acknowledged at their peer only after the gateway stored or refused them (docs/connectors.md).'),
        amqp: z
          .array(amqpIngressSchema)
          .default([])
          .describe('RabbitMQ queues from which ZSA workers and Fachverfahren send follow-up messages. The short form of an `ingress.connectors` entry with connector `amqp091` and config `{ url, queue, prefetch }`; same behaviour.'),
        workers: z
          .union([z.literal('auto'), z.literal('inline'), z.number().int().min(1).max(32)])
          .default('auto')
          .describe(
            'Worker threads for the CPU-heavy steps of ingress (ADR 0047): parsing with the layered validation, ingress and delivery mappings. `auto` (default): one thread per CPU core beyond the first, at most 2 (1 on a 2-core machine; `inline` on a single core); a number: that many threads (each loads every schema set and mapping: about 45 MB of RSS each); `inline`: on the main event loop (tests, tools).',
          ),
        admission: admissionSchema.default(admissionSchema.parse({})).describe('Admission control: 503 with `Retry-After` when the store or the outbox falls behind, 429 for a client over its share of the in-flight requests (ADR 0036). Applies to HTTP, FIT-Connect writes, XTA sendMessage and every inbound channel. State at `GET /api/v1/admin/stats` and in the metrics `zsa_gateway_admission_*`.'),
      })
      .strict()
      .default({ connectors: [], amqp: [], workers: 'auto', admission: admissionSchema.parse({}) }),
    auth: authSchema.default(authSchema.parse({})),
    participants: z.array(participantSchema).default([]),
    endpoints: z.array(endpointSchema).min(1),
    services: z.array(serviceSchema).default([]).describe('Services (LeiKa keys, ZSA queue, delegations). None are needed for routes of standards without LeiKa key that route by reader, standard or endpoint.'),
    municipalities: z.array(municipalitySchema).default([]),
    routes: z.array(routeSchema).min(1),
    fitConnect: fitConnectSchema.default(fitConnectSchema.parse({})).describe('FIT-Connect-compatible Submission API for EfA online services (ADR 0027).'),
    xta: xtaSchema.default(xtaSchema.parse({})).describe('XTA 2 web service for Fachverfahren that speak XTA (ADR 0040, docs/xta.md).'),
    monitoring: monitoringSchema.default(monitoringSchema.parse({})).describe('Alert rules and their webhook (metrics at `GET /metrics`: docs/metrics.md).'),
    retention: retentionSchema.default(retentionSchema.parse({})).describe('Second retention stage (ADR 0049): deletes the records of messages whose payload `services[].retention` purged (`zsa-gateway retention run`).'),
  })
  .strict();

export type GatewayConfig = z.output<typeof configSchema>;
export type AuthConfig = z.output<typeof authSchema>;
export type ParticipantConfig = z.output<typeof participantSchema>;
export type EndpointConfig = z.output<typeof endpointSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type MunicipalityConfig = z.output<typeof municipalitySchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type RouteAuthorConfig = z.output<typeof routeAuthorSchema>;
export type AuthorParty = (typeof AUTHOR_PARTIES)[number];
export type DeliveryConfig = z.output<typeof deliverySchema>;
export type MonitoringConfig = z.output<typeof monitoringSchema>;
export type AlertRuleConfig = z.output<typeof alertRuleSchema>;
export type MappingsConfig = z.output<typeof mappingsSchema>;
export type FitConnectConfig = z.output<typeof fitConnectSchema>;
export type XtaConfig = z.output<typeof xtaSchema>;
export type FitConnectDestinationConfig = z.output<typeof fitConnectDestinationSchema>;
export type IngressMappingConfig = z.output<typeof ingressMappingSchema>;
export type IngressConnectorConfig = z.output<typeof ingressConnectorSchema>;
export type AdmissionConfig = z.output<typeof admissionSchema>;
export type RetentionConfig = z.output<typeof retentionSchema>;
