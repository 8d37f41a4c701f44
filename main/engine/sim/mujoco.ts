/**
 * MuJoCo loading and ownership for the engine, on the official WASM bindings (`@mujoco/mujoco` 3.14,
 * single-threaded build).
 *
 * Rules this file enforces for everyone above it:
 * - The WASM module is instantiated once per process ({@link loadMujoco}); every caller shares it.
 * - Embind objects are not garbage collected. An MjModel or MjData is deleted exactly once, by the
 *   {@link Simulation} that owns it.
 * - `data.qpos`, `data.qvel`, `data.ctrl` … are live views into the WASM heap. Any allocation may grow
 *   the heap and detach them, so read them again after anything that could allocate; never keep them.
 *
 * Nothing here imports tfjs.
 */
import { readFile } from 'node:fs/promises';
import loadMujocoFactory, { type MainModule, type MjData, type MjModel } from '@mujoco/mujoco';
import { Rng } from '../rng.ts';

export type { MainModule as Mujoco, MjData, MjModel };

let modulePromise: Promise<MainModule> | null = null;

/**
 * The process-wide MuJoCo WASM module, instantiated on first call (about 0.3 s) and cached.
 * @throws whatever instantiation throws; a failed load is not cached, so a later call retries.
 */
export function loadMujoco(): Promise<MainModule> {
  if (!modulePromise) {
    modulePromise = loadMujocoFactory().catch((err: unknown) => {
      modulePromise = null;
      throw err;
    });
  }
  return modulePromise;
}

/** The text of something MuJoCo threw (compile errors are plain objects, engine errors Errors). */
export function mujocoMessage(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err && typeof err.message === 'string')
    return err.message;
  return String(err);
}

/**
 * Compiles MJCF text. `label` names the source in errors (a path, or e.g. "<inline>").
 * The XML may not reference external files (meshes, includes): it is compiled from memory.
 * @returns a new MjModel the caller owns (delete it once, or hand it to a {@link Simulation}).
 * @throws Error `Cannot load MJCF <label>: <MuJoCo's message>` on any compile error.
 */
export async function loadModelXml(xml: string, label = '<inline>'): Promise<MjModel> {
  const mj = await loadMujoco();
  try {
    return mj.MjModel.from_xml_string(xml);
  } catch (err) {
    throw new Error(`Cannot load MJCF ${label}: ${mujocoMessage(err)}`, { cause: err });
  }
}

/**
 * Reads an MJCF file from disk and compiles it.
 * @param path file system path of the .xml file.
 * @returns a new MjModel the caller owns.
 * @throws Error `MJCF file not found: <path>` when the file does not exist;
 *   `Cannot read MJCF <path>: …` on other read errors;
 *   `Cannot load MJCF <path>: <MuJoCo's message>` when MuJoCo rejects the XML.
 */
export async function loadModelFile(path: string): Promise<MjModel> {
  let xml: string;
  try {
    xml = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`MJCF file not found: ${path}`, { cause: err });
    throw new Error(`Cannot read MJCF ${path}: ${(err as Error).message}`, { cause: err });
  }
  return loadModelXml(xml, path);
}

/**
 * Owner of one MjModel and one MjData made from it. {@link dispose} deletes each exactly once;
 * afterwards `model`/`data` throw instead of handing out dangling handles.
 */
export class Simulation {
  private _model: MjModel | null;
  private _data: MjData | null;

  /**
   * Takes ownership of `model` (also on failure: if MjData cannot be allocated the model is deleted).
   * @param mj the module from {@link loadMujoco}.
   */
  constructor(
    readonly mj: MainModule,
    model: MjModel,
  ) {
    this._model = model;
    try {
      this._data = new mj.MjData(model);
    } catch (err) {
      model.delete();
      this._model = null;
      throw new Error(`Cannot allocate MjData: ${mujocoMessage(err)}`, { cause: err });
    }
  }

  /** Loads `path` (see {@link loadModelFile} for errors) and allocates its data. */
  static async fromFile(path: string): Promise<Simulation> {
    const mj = await loadMujoco();
    return new Simulation(mj, await loadModelFile(path));
  }

  /** Compiles `xml` (see {@link loadModelXml} for errors) and allocates its data. */
  static async fromXml(xml: string, label?: string): Promise<Simulation> {
    const mj = await loadMujoco();
    return new Simulation(mj, await loadModelXml(xml, label));
  }

  /** @throws Error after {@link dispose}. */
  get model(): MjModel {
    if (!this._model) throw new Error('Simulation was disposed');
    return this._model;
  }

  /** @throws Error after {@link dispose}. */
  get data(): MjData {
    if (!this._data) throw new Error('Simulation was disposed');
    return this._data;
  }

  get disposed(): boolean {
    return this._model === null;
  }

  /** Length of {@link integrationState}'s vector (mj_stateSize with mjSTATE_INTEGRATION). */
  get integrationStateSize(): number {
    return this.mj.mj_stateSize(this.model, this.mj.mjtState.mjSTATE_INTEGRATION.value);
  }

  /**
   * MuJoCo's integration state (mj_getState with mjSTATE_INTEGRATION: time, qpos, qvel, act, warm
   * start, controls, applied forces, mocap poses, eq_active, …): what continues a simulation exactly.
   * @throws Error after {@link dispose}.
   */
  integrationState(): Float64Array {
    const { mj, model, data } = this;
    const sig = mj.mjtState.mjSTATE_INTEGRATION.value;
    // An out parameter needs a buffer on the WASM heap (the bindings' README), deleted here.
    const buf = new mj.DoubleBuffer(mj.mj_stateSize(model, sig));
    try {
      mj.mj_getState(model, data, buf, sig);
      return Float64Array.from(buf.GetView() as Float64Array);
    } finally {
      buf.delete();
    }
  }

  /**
   * Restores {@link integrationState} (of the same model; the caller checks the length against
   * {@link integrationStateSize}). Derived quantities are left to the next step's forward pass.
   */
  setIntegrationState(physics: Float64Array): void {
    const { mj, model, data } = this;
    mj.mj_setState(model, data, Array.from(physics), mj.mjtState.mjSTATE_INTEGRATION.value);
  }

  /** Deletes data then model. Idempotent. */
  dispose(): void {
    if (this._data) {
      this._data.delete();
      this._data = null;
    }
    if (this._model) {
      this._model.delete();
      this._model = null;
    }
  }
}

/**
 * Raw physics throughput: `steps` calls of `mj_step` on one thread, with the controls redrawn
 * uniformly in the actuators' ctrlrange every 5 steps (one control period of our envs), after a
 * warm-up of max(100, steps/10) steps from the model's initial state. Frees everything it made.
 * @param model an MJCF path, or MJCF text with a label for errors (e.g. a variant of a shipped model)
 * @returns mj_step calls per wall-clock second.
 * @throws Error from {@link loadModelFile}; RangeError when steps is not a positive integer.
 */
export async function measureMjStepsPerSecond(
  model: string | { xml: string; label: string },
  steps: number,
): Promise<number> {
  if (!Number.isInteger(steps) || steps <= 0)
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const sim =
    typeof model === 'string'
      ? await Simulation.fromFile(model)
      : await Simulation.fromXml(model.xml, model.label);
  try {
    const { mj, model, data } = sim;
    const nu = model.nu;
    const range = Float64Array.from(model.actuator_ctrlrange as Float64Array);
    const rng = new Rng(0);
    const run = (n: number): void => {
      for (let i = 0; i < n; i++) {
        if (i % 5 === 0) {
          const ctrl = data.ctrl as Float64Array;
          for (let j = 0; j < nu; j++) ctrl[j] = rng.uniformRange(range[2 * j], range[2 * j + 1]);
        }
        mj.mj_step(model, data);
      }
    };
    run(Math.max(100, Math.floor(steps / 10)));
    mj.mj_resetData(model, data);
    const t0 = performance.now();
    run(steps);
    const seconds = (performance.now() - t0) / 1000;
    return steps / seconds;
  } finally {
    sim.dispose();
  }
}

const HEAP_PROBE_XML =
  '<mujoco><worldbody><body><joint type="slide"/><geom size="0.1"/></body></worldbody></mujoco>';

/**
 * Current size of the WASM heap in bytes. Emscripten grows the heap and never shrinks it, so a value
 * that stays flat across many create/dispose cycles means nothing leaked.
 *
 * The bindings export no handle on the heap itself, so this builds a one-body model, reads the
 * buffer under its qpos view and frees it again. A probe kept alive instead would pin a small block
 * in the middle of the heap and fragment it, making later large allocations grow the heap.
 */
export async function wasmHeapBytes(): Promise<number> {
  const probe = await Simulation.fromXml(HEAP_PROBE_XML, '<heap probe>');
  try {
    return (probe.data.qpos as Float64Array).buffer.byteLength;
  } finally {
    probe.dispose();
  }
}
