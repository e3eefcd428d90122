// The ingress worker's entry when the gateway runs from its TypeScript sources (tsx: tests,
// `npm run cli`): registers tsx in this worker thread, then loads worker.ts. Node 20 does not
// apply a parent's `--import tsx` to worker threads; the build loads worker.js directly.
import { register } from 'tsx/esm/api';

register();
export default (await import('./worker.ts')).default;
