/**
 * The JSON text FIT-Connect signs for `destinationParameters` (detached JWS): object
 * members sorted by name (UTF-16 code units, at every depth), no whitespace between tokens,
 * arrays in their order, strings and numbers as JSON.stringify writes them (the rule of
 * FIT-Connect's documentation of `destinationParametersSignature`, which RFC 8785 (JCS)
 * also follows for the values used here: strings, integers, booleans).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
