import { ABUSE_ENTRIES } from './abuse.js';
import { CRYPTO_ENTRIES } from './crypto.js';
import { HTTP_PATH_ENTRIES } from './http-paths.js';
import { HTTP_REQUEST_ENTRIES } from './http-requests.js';
import { MULTIPART_ENTRIES } from './http-multipart.js';
import { REMIT_ENTRIES } from './remit.js';
import type { HostileEntry } from './types.js';
import { DTD_ENTRIES } from './xml-dtd.js';
import { STRUCTURE_ENTRIES } from './xml-structure.js';

export type { CryptoContext, Expectation, HostileEntry } from './types.js';

/** The whole hostile corpus, grouped by family in the order the runner sends it. */
export const HOSTILE_CORPUS: readonly HostileEntry[] = [...DTD_ENTRIES, ...STRUCTURE_ENTRIES, ...MULTIPART_ENTRIES, ...HTTP_REQUEST_ENTRIES, ...HTTP_PATH_ENTRIES, ...REMIT_ENTRIES, ...CRYPTO_ENTRIES, ...ABUSE_ENTRIES];
