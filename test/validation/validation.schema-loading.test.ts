/**
 * Loading schema sets: offline only (catalog-mapped URLs resolve to shipped files, nothing
 * is fetched, no socket is opened), and every broken set is refused at load with
 * GW_CONFIG_INVALID naming the problem.
 */
import dns from 'node:dns';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { GatewayError } from '../../gateway/errors.js';
import { parseCatalog } from '../../gateway/validation/catalog.js';
import { loadValidator } from '../../gateway/validation/index.js';
import { inputRequests } from '../../gateway/validation/input-guard.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const SCHEMA_ROOT = fileURLToPath(new URL('../../schemas-xoev/', import.meta.url));
const BASIS_URL = 'https://zsa-gateway.example/xzsa/1.0/xzsa-basis.xsd';

const lastSeq = (): number => inputRequests().at(-1)?.seq ?? 0;

async function loadError(root: string | string[], limits = {}): Promise<GatewayError> {
  try {
    (await loadValidator(root, limits)).close();
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('the schema set loaded');
}

describe('schema loading', () => {
  const temps: string[] = [];
  /** A copy of schemas-xoev/xzsa in a temp folder, with `edit(versionDir)` applied. */
  function copyWith(edit: (dir: string) => void): string {
    const root = mkdtempSync(join(tmpdir(), 'zsa-schemas-'));
    temps.push(root);
    cpSync(join(SCHEMA_ROOT, 'xzsa'), join(root, 'xzsa'), { recursive: true });
    edit(join(root, 'xzsa', '1.0'));
    return root;
  }
  const rewrite = (file: string, from: string | RegExp, to: string): void => {
    const before = readFileSync(file, 'utf8');
    const after = before.replace(from, to);
    expect(after, `edit of ${file}`).to.not.equal(before);
    writeFileSync(file, after);
  };
  after(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

  it('resolves the absolute URL of the basis schema through the catalog to the shipped file', async () => {
    const from = lastSeq();
    const v = await loadValidator(SCHEMA_ROOT);
    v.close();
    const requests = inputRequests().filter((r) => r.seq > from);
    expect(requests.find((r) => r.name === BASIS_URL)?.served, `${BASIS_URL} served from the catalog`).to.equal(true);
    expect(requests.filter((r) => !r.served), 'refused requests').to.deep.equal([]);
  });

  it('opens no socket, resolves no host name and calls no fetch while loading and validating', async () => {
    const calls: string[] = [];
    const connect = net.Socket.prototype.connect;
    const lookup = dns.lookup;
    const fetch = globalThis.fetch;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      calls.push(`connect ${JSON.stringify(args[0])}`);
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof connect;
    dns.lookup = ((host: string, ...rest: unknown[]) => {
      calls.push(`lookup ${host}`);
      return (lookup as (...a: unknown[]) => void)(host, ...rest);
    }) as typeof dns.lookup;
    globalThis.fetch = ((input: unknown) => {
      calls.push(`fetch ${String(input)}`);
      return Promise.reject(new Error('network disabled in this test'));
    }) as typeof fetch;
    try {
      const v = await loadValidator(SCHEMA_ROOT);
      const hint = hundAnmeldung().replace('standard="XZSA"',
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:zsa-gateway:xzsa:1.0 https://attacker.example/evil.xsd" standard="XZSA"');
      const from = lastSeq();
      v.check(Buffer.from(hint));
      expect(inputRequests().filter((r) => r.seq > from), 'resource requests while validating').to.deep.equal([]);
      v.close();
    } finally {
      net.Socket.prototype.connect = connect;
      dns.lookup = lookup;
      globalThis.fetch = fetch;
    }
    expect(calls).to.deep.equal([]);
  });

  it('refuses to load when the catalog does not map the imported URL, naming it', async () => {
    const root = copyWith((dir) => rewrite(join(dir, 'catalog.xml'), /<(uri|system) [^>]*\/>/g, ''));
    const err = await loadError(root);
    expect(err.code).to.equal('GW_CONFIG_INVALID');
    expect(err.issues.some((i) => i.message.startsWith(`unresolved schema reference ${BASIS_URL}:`)), JSON.stringify(err.issues)).to.equal(true);
  });

  it('follows rewriteURI entries, longest prefix first', async () => {
    const root = copyWith((dir) => rewrite(join(dir, 'catalog.xml'), /<uri name="https[^>]*\/>\s*<system [^>]*\/>/,
      '<rewriteURI uriStartString="https://zsa-gateway.example/" rewritePrefix="nowhere/"/>'
      + '<rewriteURI uriStartString="https://zsa-gateway.example/xzsa/1.0/" rewritePrefix="xsd/"/>'));
    const v = await loadValidator(root);
    expect(v.check(Buffer.from(hundAnmeldung())).header.messageType).to.equal('hund.anmeldung.0101');
    v.close();
    const catalog = parseCatalog(readFileSync(join(root, 'xzsa', '1.0', 'catalog.xml')), '/base');
    expect(catalog.resolve('https://zsa-gateway.example/xzsa/1.0/a/b.xsd')).to.equal('/base/xsd/a/b.xsd');
    expect(catalog.resolve('https://zsa-gateway.example/other.xsd')).to.equal('/base/nowhere/other.xsd');
    expect(catalog.resolve('https://elsewhere.example/x.xsd')).to.equal(undefined);
  });

  it('refuses catalogs with entries it would not honour', async () => {
    const root = copyWith((dir) => rewrite(join(dir, 'catalog.xml'), '</catalog>', '<nextCatalog catalog="more.xml"/></catalog>'));
    expect((await loadError(root)).code).to.equal('GW_CONFIG_INVALID');
  });

  it('refuses a descriptor that lists a message type the XSD does not declare', async () => {
    const root = copyWith((dir) => rewrite(join(dir, 'standard.yaml'), 'name: hund.abmeldung.0104', 'name: hund.ummeldung.0105'));
    const err = await loadError(root);
    expect(err.issues.map((i) => i.message).join('\n')).to.contain('hund.ummeldung.0105 is not a global element');
  });

  it('lists every problem of a broken descriptor at once', async () => {
    const root = copyWith((dir) => {
      rewrite(join(dir, 'standard.yaml'), /^entry: .*$/m, '');
      rewrite(join(dir, 'standard.yaml'), 'xsd: reject', 'xsd: sometimes');
    });
    const err = await loadError(root);
    const paths = err.issues.map((i) => i.path ?? '');
    expect(paths.some((p) => p.endsWith('#/entry'))).to.equal(true);
    expect(paths.some((p) => p.endsWith('#/strictness/xsd'))).to.equal(true);
  });

  it('refuses a header profile with an unknown namespace prefix', async () => {
    const root = copyWith((dir) => rewrite(join(dir, 'standard.yaml'), 'ags: xzsab:', 'ags: nope:'));
    expect((await loadError(root)).issues.map((i) => i.message).join('\n')).to.contain('header.ags');
  });

  it('refuses an XSD set that does not compile', async () => {
    const root = copyWith((dir) => rewrite(join(dir, 'xsd', 'xzsa-hund.xsd'), 'type="xzsa:HundType"', 'type="xzsa:KatzeType"'));
    const err = await loadError(root);
    expect(err.issues.map((i) => i.message).join('\n')).to.contain('the XSD set does not compile').and.contain('KatzeType');
    expect(err.issues.some((i) => i.layer === 'xsd-compile')).to.equal(true);
  });

  it('refuses a depth limit above what libxml2 enforces without XML_PARSE_HUGE, and non-positive limits', async () => {
    expect((await loadError(SCHEMA_ROOT, { maxDepth: 300 })).issues[0]?.path).to.equal('limits.maxDepth');
    expect((await loadError(SCHEMA_ROOT, { maxBytes: 0 })).issues[0]?.path).to.equal('limits.maxBytes');
  });

  it('loads several roots (array or options object) and refuses a namespace claimed in two of them', async () => {
    const fixtures = fileURLToPath(new URL('../fixtures/xoev/', import.meta.url));
    for (const v of [await loadValidator([SCHEMA_ROOT, fixtures]), await loadValidator({ roots: [SCHEMA_ROOT, fixtures], limits: { maxDepth: 64 } })]) {
      expect(v.standards().map((s) => `${s.standard} ${s.version}`)).to.have.members(['XZSA 1.0', 'XZSA 1.1', 'XBeteiligung 1.2']);
      expect(v.messageTypes()).to.include('hund.anmeldung.0101').and.include('kommunal.Initiieren.0401');
      v.close();
    }
    const twice = copyWith(() => undefined);
    const err = await loadError([SCHEMA_ROOT, twice]);
    expect(err.issues.map((i) => i.message).join('\n')).to.contain('namespace urn:zsa-gateway:xzsa:1.0 is also claimed by');
  });

  it('turns a type-code mismatch into a warning where the descriptor says warn', async () => {
    const root = copyWith((dir) => rewrite(join(dir, 'standard.yaml'), 'identity: reject', 'identity: warn'));
    const v = await loadValidator(root);
    const { warnings } = v.check(Buffer.from(hundAnmeldung().replace('<code>0101</code>', '<code>0104</code>')));
    v.close();
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('0104').and.contain('/nachrichtentyp/code');
  });
});
