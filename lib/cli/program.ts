import { Command } from 'commander';
import { benchCommand } from './commands/bench';
import { demoCommand } from './commands/demo';
import { experimentCommand } from './commands/experiment';
import { infoCommand } from './commands/info';
import { pruneCommand } from './commands/prune';
import { reportCommand } from './commands/report';
import { trainCommand } from './commands/train';
import { CommandContext, withExamples } from './context';
import { packageVersion } from './version';

/** Applies the settings every (sub)command needs: errors thrown, not printed; output through io. */
function configure(cmd: Command, ctx: CommandContext): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => ctx.io.stdout.write(s),
    writeErr: (s) => ctx.io.stderr.write(s),
    // main() prints errors itself, as one line plus a hint.
    outputError: () => undefined,
  });
  cmd.showSuggestionAfterError(true);
  for (const sub of cmd.commands) configure(sub, ctx);
}

/** The `pai` program: a fresh commander tree per call, so main() can run many times in one process. */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('pai')
    .description('prune neural networks at initialization (SynFlow, SNIP, GraSP, FORCE, ...) and train them sparsely')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpCommand('help [command]', 'help for a command');
  for (const make of [demoCommand, pruneCommand, trainCommand, experimentCommand, reportCommand, benchCommand, infoCommand]) program.addCommand(make(ctx));
  withExamples(program, [
    ['npx pai demo', 'prune LeNet-5 with synflow, snip and rand, train 2 epochs each, write runs/demo/report.svg'],
    ['pai prune -m lenet5 -p synflow -c 2', 'prune to 1% density and save masks.safetensors'],
    ['pai train --from runs/prune-lenet5-synflow-c2 -e 10', 'train the pruned model'],
    ['pai experiment collapse -m conv', 'find where each pruner empties a layer'],
    ['pai info', 'backends, ISA path, threads, CUDA devices'],
  ]);
  program.addHelpText(
    'after',
    '\nTargets: --compression c keeps 10^-c of the prunable weights; --density d keeps the fraction d;\n' +
      '--sparsity s removes the fraction s (d = 10^-c = 1 - s). Give exactly one.\n' +
      'Every command takes --json (one JSON document on stdout) and --help.\n' +
      'Exit codes: 0 success, 1 user error (bad flag, unknown name, missing file), 2 internal error, 130 interrupted.\n',
  );
  configure(program, ctx);
  return program;
}
