import { Option, type Command } from 'commander';
import { fetchToken, gatewayUrl, useCredentials, type Credentials } from './client.js';

/** Options every command that talks to the gateway understands (before or after the command name). */
export function addCredentialOptions(program: Command): void {
  program
    .addOption(new Option('--token <jwt>', 'Bearer access token (default $ZSA_GATEWAY_TOKEN)'))
    .addOption(new Option('--client-id <id>', 'OAuth2 client id: the CLI fetches a token at POST /token (default $ZSA_GATEWAY_CLIENT_ID)'))
    .addOption(new Option('--client-secret <secret>', 'OAuth2 client secret (default $ZSA_GATEWAY_CLIENT_SECRET)'))
    .addOption(new Option('--cert <file>', 'PEM client certificate for mTLS'))
    .addOption(new Option('--key <file>', 'PEM private key of --cert'))
    .addOption(new Option('--ca <file>', 'PEM CA certificate(s) the gateway\'s server certificate chains to'));
  program.hook('preAction', () => {
    const o = program.opts<Credentials>();
    useCredentials({ ...(o.token ? { token: o.token } : {}), ...(o.clientId ? { clientId: o.clientId } : {}), ...(o.clientSecret ? { clientSecret: o.clientSecret } : {}), ...(o.cert ? { cert: o.cert } : {}), ...(o.key ? { key: o.key } : {}), ...(o.ca ? { ca: o.ca } : {}) });
  });
}

/** `zsa-gateway token` (print an access token) and `zsa-gateway auth hash-secret` (for participants[].oauth.clientSecretHash). */
export function registerAuthCommands(program: Command): void {
  program
    .command('token')
    .description('fetch an access token with the OAuth2 client credentials (--client-id/--client-secret) and print it')
    .option('--scope <scopes>', 'space-separated scopes (default: all the client may have)')
    .addOption(new Option('--url <url>', 'gateway base URL (default $ZSA_GATEWAY_URL or http://127.0.0.1:$PORT|8080)'))
    .option('--json', 'print the whole token response')
    .action(async (o: { scope?: string; url?: string; json?: boolean }) => {
      const g = program.opts<Credentials>();
      const id = g.clientId ?? process.env['ZSA_GATEWAY_CLIENT_ID'];
      const secret = g.clientSecret ?? process.env['ZSA_GATEWAY_CLIENT_SECRET'];
      if (!id || !secret) throw new Error('token needs --client-id and --client-secret (or ZSA_GATEWAY_CLIENT_ID / ZSA_GATEWAY_CLIENT_SECRET)');
      const t = await fetchToken(gatewayUrl(o.url), id, secret, o.scope);
      console.log(o.json ? JSON.stringify(t, null, 2) : t.access_token);
    });
  program
    .command('auth')
    .description('credentials')
    .command('hash-secret')
    .description('read a client secret from stdin and print its scrypt hash for participants[].oauth.clientSecretHash')
    .action(async () => {
      const { hashSecret } = await import('../auth/secrets.js');
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      if (secret.length < 16) throw new Error('the secret must have at least 16 characters');
      console.log(await hashSecret(secret));
    });
}
