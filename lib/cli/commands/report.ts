import { Command } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../io/atomic-write';
import { readResultsFile, ResultsFormatError } from '../../experiments/report/load';
import { renderReport } from '../../experiments/report/report';
import type { Results } from '../../experiments/results';
import { outputOptions } from '../common-options';
import { CommandContext, commandAction, withExamples } from '../context';
import { UserError } from '../errors';
import { numberIn } from '../option-parsers';
import { prepareOutDir } from '../settings';

/** Reads each DIR/results.json (or a results file), turning format problems into user errors. */
export function readAllResults(inputs: readonly string[], cwd: string): { file: string; results: Results }[] {
  return inputs.map((input) => {
    const abs = path.resolve(cwd, input);
    if (!fs.existsSync(abs)) throw new UserError(`${input}: no such file or directory`, 'give run directories that hold a results.json');
    try {
      const results = readResultsFile(abs);
      return { file: fs.statSync(abs).isDirectory() ? path.join(abs, 'results.json') : abs, results };
    } catch (e) {
      if (e instanceof ResultsFormatError) throw new UserError(e.message, 'give directories written by pai prune, train or experiment (they hold results.json)');
      throw e;
    }
  });
}

/** `pai report DIR...`: redraw the figures from saved results. */
export function reportCommand(ctx: CommandContext): Command {
  const cmd = new Command('report')
    .description('redraw the paper figures (SVG) from saved results.json files')
    .argument('<dirs...>', 'run directories (or results.json files); several are drawn together')
    .option('-o, --out <dir>', 'where to write report.svg and one SVG per figure (default: the run directory; ./report for several)')
    .option('-c, --compression <c>', 'compression of the layer-density figure (default: the one most pruners reached)', numberIn(0, null))
    .option('--title <text>', 'title of report.svg');
  outputOptions(cmd);
  withExamples(cmd, [
    ['pai report runs/demo', 'rewrite runs/demo/report.svg and the per-figure SVGs'],
    ['pai report runs/singleshot-vgg16-bn runs/collapse-vgg16-bn --out figures', 'accuracy, layer density and collapse figures side by side in figures/'],
    ['pai report runs/demo --compression 1.5 --json', 'list the files written, as JSON'],
  ]);
  return cmd.action(
    commandAction(ctx, async ({ args, opts, out, ctx: { io } }) => {
      const loaded = readAllResults(args, io.cwd);
      const defaultOut = args.length === 1 && fs.statSync(path.resolve(io.cwd, args[0])).isDirectory() ? args[0] : 'report';
      const outDir = prepareOutDir((opts.out as string | undefined) ?? defaultOut, io.cwd);
      const report = renderReport(
        loaded.map((l) => l.results),
        { compression: opts.compression as number | undefined, title: opts.title as string | undefined },
      );
      const files: string[] = [];
      for (const f of report.figures) {
        const file = path.join(outDir, f.file);
        await writeFileAtomic(file, Buffer.from(f.svg));
        files.push(file);
      }
      const combined = path.join(outDir, 'report.svg');
      await writeFileAtomic(combined, Buffer.from(report.combined));
      files.unshift(combined);
      const figures = report.figures.map((f) => f.id);
      out.lines([
        `${loaded.length} result file(s): ${figures.length ? figures.join(', ') : 'no figure applies'}`,
        ...files.map((f) => `  ${f}`),
      ]);
      out.result({ ok: true, command: 'report', outDir, files, figures, inputs: loaded.map((l) => l.file) });
    }),
  );
}
