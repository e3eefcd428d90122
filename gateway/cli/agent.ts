import type { Command } from 'commander';
import { GatewayError } from '../errors.js';
import { readStatus, type AgentStatus } from '../agent/status.js';

/** Exit codes of `agent`: 0 stopped by a signal, 2 configuration or start error (main.ts), 3 refused by the gateway, 4 local state not writable. */
const EXIT = { refused: 3, broken: 4 } as const;

/**
 * `zsa-gateway agent [run] --config <file>` and `zsa-gateway agent status`. The agent modules
 * are loaded only for these commands (main.ts registers this group on demand).
 */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('pull agent for on-prem sites: polls mailboxes, delivers to local targets, sends answers back (docs/agent.md)');
  agent
    .command('run', { isDefault: true })
    .description('run the agent until SIGTERM/SIGINT (exit 3 when the gateway refuses its credentials or a mailbox)')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .action(async (o: { config: string }) => {
      const [{ loadAgentConfig }, { PullAgent }] = await Promise.all([import('../agent/config.js'), import('../agent/agent.js')]);
      const pull = new PullAgent(loadAgentConfig(o.config));
      await pull.start();
      const stop = () => void pull.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const end = await pull.done;
      if (end.reason !== 'stopped') {
        console.error(`error: ${end.message}`);
        process.exitCode = EXIT[end.reason];
      }
    });
  agent
    .command('status')
    .description('print the agent\'s last poll, counts and latest errors from its state folder')
    .option('-c, --config <file>', 'agent configuration (its stateDir is read)')
    .option('--state-dir <dir>', 'the agent\'s state folder (instead of --config)')
    .option('--json', 'print the status file as JSON')
    .action(async (o: { config?: string; stateDir?: string; json?: boolean }) => {
      let dir = o.stateDir;
      if (dir === undefined) {
        if (o.config === undefined) throw new GatewayError('GW_BAD_REQUEST', 'name --config or --state-dir');
        dir = (await import('../agent/config.js')).loadAgentConfig(o.config).stateDir;
      }
      const status = readStatus(dir);
      if (status === null) {
        console.log(`no status in ${dir}: the agent has not run there yet`);
        process.exitCode = 1;
        return;
      }
      if (o.json) console.log(JSON.stringify({ ...status, running: alive(status.pid) }, null, 2));
      else printStatus(status);
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function printStatus(s: AgentStatus): void {
  console.log(`agent: ${alive(s.pid) ? `running (pid ${s.pid})` : `not running (last pid ${s.pid})`}, started ${s.startedAt}, status of ${s.updatedAt}`);
  console.log(`last poll: ${s.lastPollAt ?? 'never'}`);
  console.log(`delivered ${s.delivered}  duplicates ${s.duplicates}  failed ${s.failed}  answers sent ${s.answersSent}  answers failed ${s.answersFailed}`);
  for (const [name, m] of Object.entries(s.mailboxes)) console.log(`mailbox ${name}: ${m.state}, last poll ${m.lastPollAt ?? 'never'}${m.lastError ? `, last error: ${m.lastError}` : ''}`);
  if (s.errors.length > 0) {
    console.log('latest errors:');
    for (const e of s.errors.slice(-5)) console.log(`  ${e.at}  ${e.where}: ${e.message}`);
  }
}
