// Docker HEALTHCHECK of the zsa-gateway image: exit 0 when GET /health answers 200, else 1.
// The slim base has no curl or wget; Node's fetch does it. `ZSA_HEALTHCHECK_URL` overrides the
// address, e.g. `https://127.0.0.1:8443/health` when the gateway serves TLS itself (the
// gateway's own certificate is then not checked: this asks the local process, nothing else).
const url = process.env.ZSA_HEALTHCHECK_URL ?? `http://127.0.0.1:${process.env.PORT ?? '8080'}/health`;
if (url.startsWith('https:')) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(res.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
