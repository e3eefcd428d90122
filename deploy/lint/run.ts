import { formatFinding } from './findings.js';
import { lintDeploy } from './index.js';

/** `npm run lint:deploy`: one line per finding; exit 0 when there is none, else 1. */
const findings = lintDeploy();
for (const f of findings) console.log(formatFinding(f));
console.log(findings.length === 0 ? 'deploy lint: ok (Dockerfile, .dockerignore, Kubernetes manifests, ConfigMap config, runtime imports)' : `deploy lint: ${findings.length} finding(s)`);
process.exitCode = findings.length === 0 ? 0 : 1;
