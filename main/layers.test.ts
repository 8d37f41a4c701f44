/**
 * The layering rules of eslint.config.js (DESIGN.md "Dependency direction": engine below api; sim and
 * tasks without tfjs; the renderer and the renderer-safe contract without the Node-only service) on
 * fixture sources placed, by file path, in each layer: a wrong-way import is an error `npm run lint`
 * fails on, a right-way one is not.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

/** The no-restricted-imports messages ESLint gives `code` as if it were the file at `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import layers (eslint no-restricted-imports)', () => {
  it.each([
    [
      'main/engine/runs/fixture.ts',
      "import { LabService } from '../../api/service.ts';",
      /never imports api/,
    ],
    [
      'main/engine/algos/fixture.ts',
      "import { startServer } from '../../server/server.ts';",
      /never imports api, server/,
    ],
    ['main/engine/fixture.ts', "import { app } from 'electron';", /never imports electron/],
    ['main/engine/sim/fixture.ts', "import * as tf from '@tensorflow/tfjs-core';", /never imports tfjs/],
    ['main/engine/tasks/fixture.ts', "import * as tf from '@tensorflow/tfjs-core';", /never imports tfjs/],
    [
      'main/engine/tasks/fixture.ts',
      "import { createArmEnv } from '../sim/arm_env.ts';",
      /tasks never imports sim/,
    ],
    [
      'main/engine/sim/fixture.ts',
      "import { handleLabInvoke } from '../../app/ipc.ts';",
      /never imports api, server, app/,
    ],
    [
      'renderer/src/views/Fixture.ts',
      "import { LabService } from '../../../main/api/service/service.ts';",
      /renderer imports only the renderer-safe contract/,
    ],
    [
      'renderer/src/logic/fixture.ts',
      "import { RunStore } from '../../../main/engine/runs/store.ts';",
      /renderer imports only the renderer-safe contract/,
    ],
    ['renderer/src/logic/fixture.ts', "import { readFileSync } from 'node:fs';", /no Node built-ins/],
    ['main/api/contract/fixture.ts', "import { LabService } from '../service/service.ts';", /renderer-safe/],
    ['main/api/contract/fixture.ts', "import { readFileSync } from 'node:fs';", /no Node built-ins/],
  ])('%s: %s is refused', async (file, code, message) => {
    const errors = await layerErrors(file, `${code}\nexport const x = 1;\n`);
    expect(errors).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['main/engine/algos/fixture.ts', "import * as tf from '@tensorflow/tfjs-core';"],
    ['main/engine/sim/fixture.ts', "import { compileTask } from '../tasks/compile.ts';"],
    ['main/api/service/fixture.ts', "import { RunStore } from '../../engine/runs/store.ts';"],
    ['renderer/src/logic/fixture.ts', "import { METHODS } from '../../../main/api/contract/contract.ts';"],
    [
      'renderer/src/logic/fixture.test.ts',
      "import { loadMujoco } from '../../../main/engine/sim/mujoco.ts';",
    ],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport const x = 1;\n`)).toEqual([]);
  });
});
