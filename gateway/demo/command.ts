/**
 * The `zsa-gateway demo` command: option parsing and Ctrl-C handling around runDemo (run.ts).
 * Registered by gateway/cli/main.ts; loaded only when the command runs.
 */
import { InvalidArgumentError, type Command } from 'commander';

export interface DemoCommandOptions {
  cases?: number;
  rate?: number;
  seed: number;
  port: number;
  data?: string;
  stuckAfter: number;
  amqpUrl: string;
  hops?: boolean;
}

const integer = (what: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}`);
  return n;
};
const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('rate must be a number > 0 (cases per second)');
  return n;
};

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start the gateway with simulated participants and play synthetic Hund and Wohngeld cases (a trickle until Ctrl-C; --cases N: a burst, a table and `demo: cases N completed N stuck N`)')
    .option('--cases <n>', 'play a burst of n cases, print the table and exit (0 when none is stuck)', integer('cases', 1))
    .option('--rate <r>', 'cases per second (trickle default 0.5; burst default: as fast as accepted)', positive)
    .option('--seed <s>', 'seed of the synthetic data (same seed, same cases)', integer('seed', 0), 1)
    .option('--port <p>', 'gateway port (default: any free port, printed)', integer('port', 0), 0)
    .option('--data <dir>', 'data folder (default: a fresh temporary one, removed at the end)')
    .option('--stuck-after <seconds>', 'burst: a case not final this long after the last submission is stuck', integer('stuck-after', 1), 60)
    .option('--amqp-url <url>', 'RabbitMQ for the Landkreis Wittenberg Fachverfahren (falls back to a mailbox when none answers)', process.env['AMQP_URL'] ?? 'amqp://127.0.0.1')
    .option('--hops', 'print every hop also in a large burst')
    .option('--no-hops', 'print no hop lines')
    .action(async (o: DemoCommandOptions) => {
      const { runDemo } = await import('./run.js');
      const stop = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        interrupts += 1;
        if (interrupts > 1) process.exit(130);
        console.log('demo: stopping (Ctrl-C again to quit at once)');
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const result = await runDemo({
        ...(o.cases !== undefined ? { cases: o.cases } : {}),
        ...(o.rate !== undefined ? { rate: o.rate } : {}),
        ...(o.data !== undefined ? { dataDir: o.data } : {}),
        ...(o.hops !== undefined ? { hops: o.hops } : {}),
        seed: o.seed,
        port: o.port,
        stuckAfterMs: o.stuckAfter * 1000,
        amqpUrl: o.amqpUrl,
        out: (line) => console.log(line),
        signal: stop.signal,
      });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.exitCode = o.cases !== undefined && result.stuck > 0 ? 1 : 0;
    });
}
