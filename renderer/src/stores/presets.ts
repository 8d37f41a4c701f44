/** Presets (with their resolved configs per algorithm) and environments, loaded once. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { EnvInfo, PresetInfo } from '../../../main/api/contract/contract.ts';
import { labClient } from '../api/lab.ts';

export const usePresetsStore = defineStore('presets', () => {
  const presets = ref<PresetInfo[]>([]);
  const configKeys = ref<string[]>([]);
  const envs = ref<EnvInfo[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  let loading: Promise<void> | null = null;

  /** Loads presets and environments (once; later calls share the first load). */
  function load(): Promise<void> {
    loading ??= (async () => {
      try {
        const client = labClient();
        const [p, e] = await Promise.all([client.listPresets(), client.listEnvs()]);
        presets.value = p.presets;
        configKeys.value = p.configKeys;
        envs.value = e.envs;
        error.value = null;
      } catch (err) {
        error.value = (err as Error).message;
        loading = null;
      } finally {
        loaded.value = true;
      }
    })();
    return loading;
  }

  /** The environment's static facts, or undefined before {@link load}. */
  function env(name: string): EnvInfo | undefined {
    return envs.value.find((e) => e.name === name);
  }

  return { presets, configKeys, envs, loaded, error, load, env };
});
