/**
 * The app window's preload: exposes `window.skillLab` (main/api/contract/bridge.ts), one function per
 * contract method plus `onEvent`. The renderer never gets ipcRenderer itself, so it can only send
 * the requests listed here, and the main process validates every one of them again (main/app/ipc.ts).
 * Runs sandboxed: it may require only 'electron', so electron.config.ts bundles it into one file.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_METHODS, EVENT_CHANNEL, invokeChannel, type SkillLabBridge } from '../api/contract/bridge.ts';
import type { EventEnvelope } from '../api/contract/contract.ts';

const requests = Object.fromEntries(
  BRIDGE_METHODS.map((method) => [
    method,
    (params?: unknown) => ipcRenderer.invoke(invokeChannel(method), params),
  ]),
);

const bridge = {
  ...requests,
  onEvent(listener: (envelope: EventEnvelope) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('skillLab.onEvent needs a function');
    // The IPC event object (with its sender) stays on this side of the bridge.
    const relay = (_event: IpcRendererEvent, envelope: EventEnvelope) => listener(envelope);
    ipcRenderer.on(EVENT_CHANNEL, relay);
    return () => void ipcRenderer.removeListener(EVENT_CHANNEL, relay);
  },
} as SkillLabBridge;

contextBridge.exposeInMainWorld('skillLab', bridge);
