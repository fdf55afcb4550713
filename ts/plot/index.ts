// The plotting module: heatmaps (SVG), line charts and training curves, image grids (Figure 5),
// SVG -> PNG, PNG encoding.
export * from './colormap.js';
export * from './grid.js';
export * from './heatmap.js';
export * from './png.js';
export * from './raster.js';
export * from './svg.js';
export * from './ticks.js';
export * from './lines.js';
export * from './curves.js';
export * from './phasemap.js';
