// study.* and figure.*: studies (long jobs with one progress bar, cancellable, resumable), the data
// their figures are drawn from, and the conversion of a figure's SVG to PDF or PNG.
import type { Engine } from '../engine.ts';
import type { EngineHandlers } from './types.ts';
import { getStudy, resumeStudy, startStudy, studies } from '../study/run-study.ts';
import { runsData, studyData } from '../study/study-data.ts';
import { convertFigure } from '../figures/convert-figure.ts';

export function studyHandlers(engine: Engine) {
  return {
    'study.start': async ({ path, ...request }, ctx) => startStudy(engine.project(path), request, ctx),
    'study.resume': async ({ path, id }, ctx) => resumeStudy(engine.project(path), id, ctx),
    'study.list': async ({ path }) => studies(engine.reader(path)),
    'study.get': async ({ path, id }) => getStudy(engine.reader(path), id),
    // Figures of runs given by id compute what is not stored yet (consistency, comparisons): a writer.
    'study.data': async (args, ctx) => ('id' in args ? studyData(engine.reader(args.path), args.id) : runsData(engine.project(args.path), args.runs, ctx)),
    'figure.convert': async ({ svg, format, widthMm, heightMm, dpi }) => convertFigure(svg, format, { widthMm, heightMm, dpi }),
  } satisfies Partial<EngineHandlers>;
}
