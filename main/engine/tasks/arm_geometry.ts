/** The arm's geometry as task checks and the arm env both use it; pure data. */

/**
 * Kinematic facts of assets/models/arm.xml for reach checks, in the table frame (m): the shoulder
 * (joint j2) position, the largest shoulder-to-wrist distance (upper arm 0.48 + forearm 0.48), and
 * the wrist-to-grip offset along the hand (pointing down in Cartesian control).
 */
export const ARM_GEOMETRY = Object.freeze({
  shoulder: Object.freeze([-0.5, 0, 0.35]) as readonly [number, number, number],
  reach: 0.96,
  wristToGrip: 0.2,
});
