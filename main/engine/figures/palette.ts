/**
 * Skill colours shared by the comparison figures and the 3D view, so that skill k has one colour
 * everywhere: matplotlib's tab10 (Vega's category10), ten colours that stay distinct on white and in
 * print; skill k takes colour k mod 10. Pure data: the renderer reaches it through main/api/contract/presentation.ts.
 */
export const SKILL_PALETTE: readonly string[] = Object.freeze([
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
]);
