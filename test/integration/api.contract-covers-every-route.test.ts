import { expect } from 'chai';
import { Contract, toOpenApiPath } from '../../gateway/api/contract.js';
import { PARTICIPANT_KINDS } from '../../gateway/config/schema.js';
import { ERROR_CATALOG } from '../../gateway/errors.js';
import { MESSAGE_STATES } from '../../gateway/model/index.js';
import { VORGANG_EVENT_KINDS } from '../../gateway/store/vorgang-events.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { appOf, servedRoutes, type ServedRoute } from '../support/served-routes.js';

const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/**
 * The contract (gateway/api/openapi.yaml) and the routes the built app serves — read from
 * Express's own router stack, so whatever is mounted counts — name the same operations in
 * both directions; each /api/v1 operation documents exactly its route's roles and ownership
 * check, and only the routes served without authentication are documented as public.
 */
/**
 * Routes that run a policy guard (/api/v1, the FIT-Connect Submission API, GET /metrics): read from
 * the guard the route walk finds first on each route, not from a second list of paths. That every
 * route that should have a guard has one is test/auth/policy.every-route-carries-its-policy.test.ts.
 */
const guarded = (r: ServedRoute): boolean => r.policy !== undefined;

describe('api: the OpenAPI contract covers every served route, with its roles', () => {
  const contract = Contract.load();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let served: ServedRoute[];
  before(async () => {
    gw = await startTestGateway(testConfig());
    served = servedRoutes(appOf(gw));
  });
  after(() => gw?.stop());

  // the monitoring UI's HTML pages under /ui are not API (ADR 0030): their policies are checked by test/auth/policy.every-route-carries-its-policy.test.ts
  const servedKeys = () => served.filter((r) => r.path !== '/ui' && !r.path.startsWith('/ui/')).map((r) => key(r.method, toOpenApiPath(r.path)));
  const documented = () => contract.operations().map((o) => key(o.method, o.path));

  it('finds routes inside and outside /api/v1 (guards the walk over Express internals)', () => {
    expect(servedKeys()).to.include.members(['GET /health', 'POST /token', 'GET /api/docs', 'POST /api/v1/messages', 'GET /api/v1/messages/{id}/receipt']);
  });

  it('documents every served route', () => {
    expect(servedKeys().filter((k) => !documented().includes(k)), 'served but not in gateway/api/openapi.yaml').to.deep.equal([]);
  });

  it('documents no route that is not served', () => {
    expect(documented().filter((k) => !servedKeys().includes(k)), 'in gateway/api/openapi.yaml but not served').to.deep.equal([]);
  });

  it("documents each guarded route's roles (x-roles) and ownership check (x-ownership-check) exactly as its policy has them (/api/v1, FIT-Connect Submission API)", () => {
    const wrong: string[] = [];
    for (const r of served.filter(guarded)) {
      const op = contract.operation(r.method, toOpenApiPath(r.path));
      if (!op) continue; // named by the test above
      const roles = [...(op['x-roles'] ?? [])].sort();
      const policy = [...(r.policy?.roles ?? [])].sort();
      if (JSON.stringify(roles) !== JSON.stringify(policy)) wrong.push(`${key(r.method, r.path)}: x-roles ${roles.join(' ') || '(none)'}, policy ${policy.join(' ')}`);
      if (op['x-ownership-check'] !== r.policy?.check) wrong.push(`${key(r.method, r.path)}: x-ownership-check ${op['x-ownership-check'] ?? '(none)'}, policy ${r.policy?.check ?? '(none)'}`);
      if (op['x-public'] === true || (op.security ?? []).some((s) => Object.keys(s as object).length === 0)) wrong.push(`${key(r.method, r.path)}: documented as callable without credentials`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('documents the unguarded routes as public (security: [] or an anonymous alternative) and names no roles for them', () => {
    const wrong: string[] = [];
    for (const r of served.filter((x) => !guarded(x))) {
      const op = contract.operation(r.method, toOpenApiPath(r.path));
      if (!op) continue;
      const anonymous = op.security !== undefined && (op.security.length === 0 || op.security.some((s) => Object.keys(s as object).length === 0));
      if (op['x-public'] !== true || !anonymous || op['x-roles'] !== undefined) wrong.push(key(r.method, r.path));
    }
    expect(wrong, 'public routes not documented as public').to.deep.equal([]);
  });

  it('documents 401 and 403 on every /api/v1 operation (authentication runs first, then the policy)', () => {
    const missing = contract
      .operations()
      .filter((o) => o.path.startsWith('/api/v1/') && (!o.op.responses['401'] || !o.op.responses['403']))
      .map((o) => key(o.method, o.path));
    expect(missing).to.deep.equal([]);
  });

  it("lists exactly the code's values in the contract's enums: error codes, message states, participant kinds, case event kinds", () => {
    type Node = { enum?: string[]; properties?: Record<string, Node>; items?: Node };
    const schema = (name: string) => contract.doc.components?.['schemas']?.[name] as Node;
    expect([...schema('ErrorCode').enum!].sort()).to.deep.equal(Object.keys(ERROR_CATALOG).sort());
    expect(schema('MessageState').enum).to.deep.equal([...MESSAGE_STATES]);
    expect([...schema('ParticipantList').properties!['items']!.items!.properties!['kind']!.enum!].sort()).to.deep.equal([...PARTICIPANT_KINDS].sort());
    expect(schema('VorgangEvent').properties!['kind']!.enum).to.deep.equal([...VORGANG_EVENT_KINDS]);
  });
});
