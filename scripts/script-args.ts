/**
 * The command line of a project script (benchmarks, chaos runs, tools): Node's `parseArgs`, plus `--help`
 * and a clear refusal of bad input. An unknown flag, or a flag without its value, prints one line naming it
 * and the usage, and exits 2, instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The usage text of a script: its own, or one line per option (with its default) from the options. */
export function usageOf(script: string, options: Options, usage?: string): string {
  if (usage !== undefined) return usage;
  const lines = Object.entries(options).map(([name, o]) => {
    const flag = o.type === 'string' ? `--${name} VALUE` : `--${name}`;
    const fallback = o.default === undefined || o.default === false ? '' : ` (default ${String(o.default)})`;
    return `  ${flag.padEnd(26)}${fallback}`;
  });
  return [`usage: ${script} [options]`, ...lines, `  ${'--help'.padEnd(26)}this text`].join('\n');
}

/**
 * Parses `args` (default: the process's) against `options`; `--help` prints the usage and exits 0, bad input
 * prints what was wrong and the usage on stderr and exits 2.
 */
export function parseScriptArgs<const O extends Options>(
  script: string,
  config: {
    options: O;
    allowPositionals?: boolean;
    allowNegative?: boolean;
    usage?: string;
    args?: string[];
  },
) {
  const usage = usageOf(script, config.options, config.usage);
  let parsed;
  try {
    parsed = parseArgs({
      options: { ...config.options, help: { type: 'boolean', default: false } },
      allowPositionals: config.allowPositionals ?? false,
      allowNegative: config.allowNegative ?? false,
      strict: true,
      ...(config.args && { args: config.args }),
    });
  } catch (err) {
    console.error(`${script}: ${(err as Error).message.split('\n')[0]}\n${usage}`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}
