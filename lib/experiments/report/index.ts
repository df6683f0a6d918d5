/** SVG reports that redraw the paper figures from results JSON (pure functions, no DOM). */
export { renderReport } from './report';
export type { ReportOptions, RenderedReport } from './report';
export { accuracyFigure, accuracyPoints, accuracySeries, spread } from './accuracy';
export type { AccuracyPoint, Spread } from './accuracy';
export { layerDensityFigure, layerProfiles, defaultCompression } from './layer-density';
export type { LayerProfile } from './layer-density';
export { collapseFigure } from './collapse';
export { conservationFigure } from './conservation';
export { trainingFigure } from './training';
export { figureSvg, combinedSvg } from './figure';
export type { Figure, FigureId } from './figure';
export { checkResults, readResultsFile, ResultsFormatError } from './load';
