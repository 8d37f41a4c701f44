/** The skill colours of the figures, for the renderer (which may import main/api, not the engine). */
export { SKILL_PALETTE } from '../engine/figures/palette.ts';
