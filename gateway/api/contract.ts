import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { IssuedToken } from '../auth/tokens.js';
import { GatewayError, type Issue, type ProblemDetails } from '../errors.js';
import type { Schemas } from './contract-types.js';
import { PACKAGE_ROOT } from '../paths.js';

/**
 * The OpenAPI contract (gateway/api/openapi.yaml, ADR 0026) at run time: read once, its
 * operations found by method and path, request validators compiled from its schemas with ajv
 * (draft 2020-12, the dialect of OpenAPI 3.1), and response checks for the tests.
 */
export const CONTRACT_FILE = join(PACKAGE_ROOT, 'gateway/api/openapi.yaml');

/** The parts of an OpenAPI 3.1 document this module reads. */
interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: object;
}
type Ref = { $ref: string };
interface MediaTypeObject {
  schema?: object;
}
interface ResponseObject {
  content?: Record<string, MediaTypeObject>;
}
export interface OperationObject {
  operationId?: string;
  parameters?: Array<ParameterObject | Ref>;
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> } | Ref;
  responses: Record<string, ResponseObject | Ref>;
  security?: unknown[];
  'x-roles'?: string[];
  'x-ownership-check'?: string;
  'x-public'?: boolean;
}
type PathItem = Partial<Record<HttpMethod, OperationObject>> & { parameters?: Array<ParameterObject | Ref> };
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, PathItem>;
  components?: Record<string, Record<string, unknown>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
type HttpMethod = (typeof METHODS)[number];

/** One operation of the contract: `GET /api/v1/messages/{id}`. */
export interface ContractOperation {
  method: string;
  path: string;
  op: OperationObject;
}

/** The schema id the whole document is registered under, so `#/components/…` refs resolve from any operation. */
const DOC_ID = 'urn:zsa-gateway:openapi';
const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;

/** `/messages/:id` → `/messages/{id}` (Express path parameters to OpenAPI templates). */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z][A-Za-z0-9_]*)/g, '{$1}');
}

/** `#/components/…` refs of a schema taken out of the document, pointed at the registered document. */
function anchored<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${DOC_ID}#/`)) as T;
}

/** A property name safe to print in an issue path (a hostile key is not echoed). */
const safeName = (s: unknown): string => (typeof s === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(s) ? s : '(a property)');

/**
 * An ajv error as an Issue: where (`params.<name>`, `query.<name>`, `headers.<name>`, or the
 * body's JSON pointer) and what, in ajv's words, which come from the schema and never quote
 * the value that failed.
 */
function issueOf(e: ErrorObject, where: 'request' | 'body'): Issue {
  let pointer = e.instancePath;
  if (e.keyword === 'required') pointer += `/${safeName((e.params as { missingProperty?: unknown }).missingProperty)}`;
  if (e.keyword === 'additionalProperties') pointer += `/${safeName((e.params as { additionalProperty?: unknown }).additionalProperty)}`;
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  const message = e.keyword === 'required' ? 'is required' : e.keyword === 'additionalProperties' ? 'is not allowed' : e.keyword === 'enum' && allowed ? `must be one of ${allowed.join(', ')}` : (e.message ?? 'is not valid');
  if (where === 'body') return { message, path: pointer === '' ? '/' : pointer, layer: 'contract', rule: e.keyword };
  const [, part = '', ...rest] = pointer.split('/');
  return { message, path: [part, ...rest.map((r) => r.replace(/~1/g, '/').replace(/~0/g, '~'))].join('.'), layer: 'contract', rule: e.keyword };
}

function refused(issues: Issue[]): GatewayError {
  const shown = issues.slice(0, 5).map((i) => `${i.path} ${i.message}`);
  return new GatewayError('GW_BAD_REQUEST', `the request does not match the API contract: ${shown.join('; ')}${issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : ''}`, { issues });
}

const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json$/;

/** The bare media type of a Content-Type value, lower-cased. */
export const mediaType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * The contract, loaded once per file. Compiled validators are kept per operation, so every
 * app built in one process (tests build many) shares them.
 */
export class Contract {
  private static readonly loaded = new Map<string, Contract>();
  /** Coerces path and query strings to the types the contract declares (on a copy, never on `req`). */
  private readonly ajvParams = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false, coerceTypes: true }));
  /** JSON bodies and responses: no coercion. */
  private readonly ajvBody = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
  private readonly requestChecks = new Map<string, RequestHandler | null>();
  private readonly responseChecks = new Map<string, ValidateFunction>();

  private constructor(
    readonly doc: OpenApiDocument,
    /** The file's bytes, served as they are at /api/openapi.yaml. */
    readonly text: string,
  ) {
    if (!/^3\.1\.\d+$/.test(doc.openapi)) throw new Error(`the API contract must be OpenAPI 3.1, not ${doc.openapi}`);
    this.ajvParams.addSchema(doc, DOC_ID);
    this.ajvBody.addSchema(doc, DOC_ID);
  }

  /** The contract in `file` (default gateway/api/openapi.yaml); throws at start when it is not readable or not OpenAPI 3.1. */
  static load(file = CONTRACT_FILE): Contract {
    let c = Contract.loaded.get(file);
    if (!c) {
      const text = readFileSync(file, 'utf8');
      c = new Contract(parseYaml(text) as OpenApiDocument, text);
      Contract.loaded.set(file, c);
    }
    return c;
  }

  /** Every operation of the contract, as `METHOD path`. */
  operations(): ContractOperation[] {
    return Object.entries(this.doc.paths).flatMap(([path, item]) => METHODS.flatMap((m) => (item[m] ? [{ method: m.toUpperCase(), path, op: item[m] }] : [])));
  }

  /** The operation with this operationId, with its method and path. */
  byId(operationId: string): ContractOperation | undefined {
    this.ids ??= new Map(this.operations().flatMap((o) => (o.op.operationId ? [[o.op.operationId, o] as const] : [])));
    return this.ids.get(operationId);
  }
  private ids: Map<string, ContractOperation> | undefined;

  operation(method: string, path: string): OperationObject | undefined {
    return this.doc.paths[path]?.[method.toLowerCase() as HttpMethod];
  }

  private deref<T extends object>(x: T | Ref): T {
    if (!('$ref' in x)) return x;
    const parts = x.$ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = this.doc;
    for (const p of parts) node = (node as Record<string, unknown> | undefined)?.[p];
    if (node === undefined) throw new Error(`the API contract refers to ${x.$ref}, which it does not define`);
    return node as T;
  }

  /** Path-level and operation parameters, the operation's winning (OpenAPI 3.1 §4.8.9). */
  private parameters(path: string, op: OperationObject): ParameterObject[] {
    const all = [...(this.doc.paths[path]?.parameters ?? []), ...(op.parameters ?? [])].map((p) => this.deref(p));
    return [...new Map(all.map((p) => [`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, p])).values()];
  }

  /**
   * The request check of one operation, built once: path, query and header parameters
   * against their schemas (strings coerced as declared), and a JSON body against the
   * operation's `application/json` schema once a body parser has run (`req.body`; absent →
   * `{}`, so a missing member is named). XML, JWE, multipart and raw bodies are left to their
   * streaming handlers: they are never read here, so ingress parses each body once. Answers
   * undefined when the operation has nothing to check, or is not in the contract.
   * Refusals: GW_BAD_REQUEST with one issue per finding (`query.limit`, `params.item`, `/mode`).
   */
  requestCheck(method: string, path: string): RequestHandler | undefined {
    const key = `${method} ${path}`;
    if (!this.requestChecks.has(key)) this.requestChecks.set(key, this.buildRequestCheck(method, path));
    return this.requestChecks.get(key) ?? undefined;
  }

  private buildRequestCheck(method: string, path: string): RequestHandler | null {
    const op = this.operation(method, path);
    if (!op) return null;
    const group = (where: 'path' | 'query' | 'header') => {
      const ps = this.parameters(path, op).filter((p) => p.in === where);
      const name = (p: ParameterObject) => (where === 'header' ? p.name.toLowerCase() : p.name);
      return {
        names: ps.map(name),
        schema: { type: 'object', properties: Object.fromEntries(ps.map((p) => [name(p), anchored(p.schema ?? {})])), required: ps.filter((p) => p.required).map(name) },
      };
    };
    const params = group('path');
    const query = group('query');
    const headers = group('header');
    const body = op.requestBody ? this.deref(op.requestBody).content['application/json']?.schema : undefined;
    if (params.names.length + query.names.length + headers.names.length === 0 && body === undefined) return null;
    const checkParams = this.ajvParams.compile({ type: 'object', properties: { params: params.schema, query: query.schema, headers: headers.schema } });
    const checkBody = body === undefined ? undefined : this.ajvBody.compile(anchored(body));
    // An empty query value counts as absent, as the handlers have always read it (`?state=&limit=`).
    const pick = (from: Record<string, unknown>, names: string[]) => Object.fromEntries(names.flatMap((n) => (from[n] === undefined || from[n] === '' ? [] : [[n, from[n]]])));
    return function contractCheck(req: Request, _res: Response, next: NextFunction): void {
      const issues: Issue[] = [];
      const data = { params: pick(req.params, params.names), query: pick(req.query as Record<string, unknown>, query.names), headers: pick(req.headers, headers.names) };
      if (!checkParams(data)) issues.push(...(checkParams.errors ?? []).map((e) => issueOf(e, 'request')));
      if (checkBody && !checkBody(req.body ?? {})) issues.push(...(checkBody.errors ?? []).map((e) => issueOf(e, 'body')));
      next(issues.length > 0 ? refused(issues) : undefined);
    };
  }

  /**
   * What is wrong with an answer of `METHOD path` (empty when it keeps the contract): the
   * status must be documented, the media type one of the status's, a JSON body must match
   * its schema, a text body a string schema's pattern. Called by the tests on real answers.
   */
  responseProblems(method: string, path: string, status: number, contentType: string | undefined, body: unknown): string[] {
    const op = this.operation(method, path);
    if (!op) return [`${method} ${path} is not in the contract`];
    const declared = op.responses[String(status)] ?? op.responses['default'];
    if (!declared) return [`${method} ${path} answered ${status}, which the contract does not list (${Object.keys(op.responses).join(', ')})`];
    const res = this.deref(declared);
    const types = Object.keys(res.content ?? {});
    const type = mediaType(contentType);
    if (types.length === 0) return type === '' || status === 204 ? [] : [`${method} ${path} ${status} has no body in the contract but was answered ${type}`];
    const match = types.find((t) => t === type) ?? types.find((t) => t === '*/*' || (t.endsWith('/*') && type.startsWith(t.slice(0, -1))));
    if (!match) return [`${method} ${path} ${status} answered ${type || '(no content type)'}; the contract has ${types.join(', ')}`];
    const schema = res.content![match]!.schema;
    if (schema === undefined) return [];
    const isJson = JSON_TYPE.test(type);
    if (!isJson && typeof body !== 'string') return []; // binary bodies: the media type is the contract
    const key = `${method} ${path} ${status} ${match}`;
    let check = this.responseChecks.get(key);
    if (!check) {
      check = this.ajvBody.compile(anchored(schema));
      this.responseChecks.set(key, check);
    }
    let value = body;
    if (isJson && typeof body === 'string') {
      try {
        value = JSON.parse(body);
      } catch {
        return [`${method} ${path} ${status} ${type}: the body is not JSON`];
      }
    }
    if (check(value)) return [];
    return (check.errors ?? []).map((e) => `${method} ${path} ${status} ${type}: ${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${safeName((e.params as { additionalProperty?: unknown }).additionalProperty)})` : ''}`);
  }
}

/**
 * An AnswerCheck for `checkAnswers` (gateway/api/contract-types.ts): throws with every
 * finding when a JSON answer of an operation is outside the contract.
 */
export function answerChecker(contract = Contract.load()): (operationId: string, status: number, body: unknown) => void {
  return (operationId, status, body) => {
    const o = contract.byId(operationId);
    const found = o ? contract.responseProblems(o.method, o.path, status, 'application/json', body) : [`no operation ${operationId} in the contract`];
    if (found.length > 0) throw new Error(`answer outside the API contract: ${found.slice(0, 5).join('; ')}`);
  };
}

/**
 * The request checks of the routes below `prefix` (e.g. `/api/v1`), for apiRouter: given
 * a route's method and Express path, the contract's check of that operation, or undefined.
 */
export function contractChecks(prefix: string, contract = Contract.load()): (method: string, expressPath: string) => RequestHandler | undefined {
  return (method, expressPath) => contract.requestCheck(method, prefix + toOpenApiPath(expressPath));
}

/** Compile-time checks that what the code builds outside `reply` is what the contract says. */
type Holds<T extends true> = T;
/** The problem documents of gateway/errors.ts `toProblem` are the contract's Problem. */
export type ProblemKeepsContract = Holds<ProblemDetails extends Schemas['Problem'] ? true : false>;
/** The access tokens of gateway/auth/tokens.ts are the contract's TokenAnswer. */
export type TokenKeepsContract = Holds<IssuedToken extends Schemas['TokenAnswer'] ? true : false>;
