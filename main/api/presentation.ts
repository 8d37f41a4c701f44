/**
 * Presentation data shared with the engine's figures, for the renderer (which may import main/api,
 * not the engine): skill colours and the learning curves per algorithm.
 */
export { SKILL_PALETTE } from '../engine/figures/palette.ts';
export { KEY_METRICS, LEARNING_CURVES, relabelSwitches } from '../engine/figures/curves.ts';
