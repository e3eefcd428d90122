import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The label on every generated subject, file and README. */
export const DEV_LABEL = 'DEVELOPMENT ONLY — NOT FOR PRODUCTION';
/** Header line in front of every PEM block (PEM readers skip text before `-----BEGIN`). */
export const PEM_BANNER = `# zsa-gateway development PKI — ${DEV_LABEL}\n`;
/** Marks a folder as ours, written first, so a half-finished run is still recognised. */
export const MARKER = '.zsa-dev-pki';

/** Paths inside the output folder, relative to it. One place, so the README, the generator and revoke agree. */
export const LAYOUT = {
  readme: 'README.md',
  manifest: 'manifest.json',
  root: 'ca-root.pem',
  intermediate: 'ca-intermediate.pem',
  chain: 'chain.pem',
  crl: 'crl.pem',
  rootKey: 'private/ca-root.key.pem',
  intermediateKey: 'private/ca-intermediate.key.pem',
  serverCert: 'server.crt.pem',
  serverKey: 'server.key.pem',
  clientCert: (id: string) => `clients/${id}.crt.pem`,
  clientKey: (id: string) => `clients/${id}.key.pem`,
  encPublic: (id: string) => `enc/${id}.jwk.json`,
  encPrivate: (id: string) => `enc/${id}.private.jwk.json`,
  gatewayEncPublic: 'gateway/enc.jwk.json',
  gatewayEncPrivate: 'gateway/enc.private.jwk.json',
  gatewaySigPublic: 'gateway/sig.jwk.json',
  gatewaySigPrivate: 'gateway/sig.private.jwk.json',
  gatewayJwks: 'gateway/jwks.json',
  oddities: 'test-oddities',
} as const;

/** Everything a run creates at the top of the folder; --force removes exactly these. */
const OWNED = [MARKER, 'README.md', 'manifest.json', 'ca-root.pem', 'ca-intermediate.pem', 'chain.pem', 'crl.pem', 'server.crt.pem', 'server.key.pem', 'private', 'clients', 'enc', 'gateway', 'test-oddities'];

/** Participant ids become file names: the config's id pattern, which allows no path separators. */
export const SAFE_ID = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Writes a file the way every file drop of the gateway does: `.<name>.part`, fsync,
 * rename. A reader never sees half a key; private files are created with mode 0600.
 */
export function writeAtomic(outDir: string, rel: string, data: string, secret = false): string {
  const path = join(outDir, rel);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const part = join(dirname(path), `.${basename(path)}.part`);
  const fd = openSync(part, 'w', secret ? 0o600 : 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(part, path);
  return path;
}

export function readOut(outDir: string, rel: string): string {
  return readFileSync(join(outDir, rel), 'utf8');
}

/** Prefixes PEM text with the development banner. */
export function bannered(pem: string): string {
  return PEM_BANNER + pem.replace(/\r\n/g, '\n').trimEnd() + '\n';
}

/**
 * Makes `outDir` ready for a new PKI. An absent or empty folder is created/used; a folder
 * holding an earlier PKI is cleared only with `force`; any other non-empty folder is
 * refused, so `--out .` can never spray keys into a source tree.
 */
export function prepareOutDir(outDir: string, force: boolean): void {
  if (!existsSync(outDir)) {
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
  } else {
    const entries = readdirSync(outDir);
    if (entries.length > 0) {
      if (!entries.includes(MARKER)) throw new Error(`${outDir} is not empty and holds no zsa-gateway development PKI; choose an empty or new folder`);
      if (!force) throw new Error(`${outDir} already holds a development PKI; use --force to replace it`);
      for (const e of OWNED) rmSync(join(outDir, e), { recursive: true, force: true });
    }
  }
  writeAtomic(outDir, MARKER, `${DEV_LABEL}\n`);
}

export function pemBlock(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
