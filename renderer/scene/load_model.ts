/**
 * Compiling MJCF text into an MjModel for the renderer's own MuJoCo instance. In the browser the
 * text comes from the server (the same MJCF the run's environment was built from); in tests it is
 * read from assets/models.
 *
 * Browser-safe: the MuJoCo module is passed in.
 */
import type { MainModule, MjModel } from '@mujoco/mujoco';

/** Options of {@link loadModelFromXml}. */
export interface LoadModelOptions {
  /** Names the source in errors: a path, an env id, … Default `<inline>`. */
  label?: string;
  /** Files the MJCF refers to (meshes, height-field PNGs, textures), keyed by the name it uses. */
  assets?: Readonly<Record<string, Uint8Array>>;
}

/** The text of something MuJoCo threw (compile errors arrive as Errors or as plain objects). */
function mujocoMessage(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err && typeof err.message === 'string')
    return err.message;
  return String(err);
}

/**
 * Compiles MJCF text in memory.
 * @param mujoco the MuJoCo module (`await loadMujoco()` from `@mujoco/mujoco`).
 * @param xml the MJCF document.
 * @param options a label for errors (or the label itself as a string) and in-memory asset files.
 * @returns a new MjModel the caller owns: `.delete()` it exactly once, after every scene built from it.
 * @throws Error `Cannot load MJCF <label>: <MuJoCo's message>` when MuJoCo rejects the XML or an
 *   asset is missing or malformed.
 */
export function loadModelFromXml(
  mujoco: MainModule,
  xml: string,
  options: LoadModelOptions | string = {},
): MjModel {
  const { label = '<inline>', assets } = typeof options === 'string' ? { label: options } : options;
  const names = assets ? Object.keys(assets) : [];
  const vfs = names.length > 0 ? new mujoco.MjVFS() : null;
  try {
    if (vfs) for (const name of names) vfs.addBuffer(name, assets![name]);
    return vfs ? mujoco.MjModel.from_xml_string(xml, vfs) : mujoco.MjModel.from_xml_string(xml);
  } catch (err) {
    throw new Error(`Cannot load MJCF ${label}: ${mujocoMessage(err)}`, { cause: err });
  } finally {
    vfs?.delete();
  }
}
