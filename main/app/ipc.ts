/**
 * The checks every IPC request of the app passes before it reaches the lab service, as a plain
 * function (no Electron import) so that it is tested without the Electron binary: the sender must
 * be the app's own page (the main frame, loaded from app://skill-lab), the method must be a contract
 * method and its params must validate. Whatever happens, the renderer gets a response envelope.
 */
import {
  isMethodName,
  parseParams,
  unknownMethodResponse,
  type ResponseEnvelope,
} from '../api/contract/contract.ts';

/** The custom scheme and host the renderer is served from (main/app/protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'skill-lab';
/** The origin of the renderer's pages. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * True when `url` is a page of the app: scheme app:, host skill-lab (a prefix test alone would let
 * `app://skill-lab.evil/` or `app://other/` through).
 */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** What the app's IPC handlers need of the lab service. */
export interface InvokeTarget {
  call(method: string, params: unknown, id?: string | number | null): Promise<ResponseEnvelope>;
}

/** Where an IPC request came from, as far as the handler can tell. */
export interface InvokeSender {
  /** `event.senderFrame.url`; null when the frame is gone (navigated away or destroyed). */
  url: string | null;
  /** True when the frame is the main frame of the app's window (not a subframe, not another window). */
  isAppMainFrame: boolean;
}

/**
 * Answers one `lab:<method>` IPC request: checks the sender, the method name and the params against
 * the contract, then calls the service. Never throws.
 * @returns the response envelope (id null): 'unauthorized' for a foreign sender, 'not_found' for
 *   an unknown method, 'invalid' with per-field issues for bad params, else the service's answer.
 */
export async function handleLabInvoke(
  sender: InvokeSender,
  method: string,
  params: unknown,
  service: InvokeTarget,
): Promise<ResponseEnvelope> {
  if (!sender.isAppMainFrame || !isAppUrl(sender.url)) {
    return {
      id: null,
      ok: false,
      error: {
        code: 'unauthorized',
        message: `IPC request ${method} refused: it must come from the main frame of the app's window at ${APP_ORIGIN} (sender: ${sender.url ?? 'a destroyed frame'})`,
      },
    };
  }
  if (!isMethodName(method)) return unknownMethodResponse(method, null);
  const parsed = parseParams(method, params);
  if (!parsed.ok) return { id: null, ok: false, error: parsed.error };
  try {
    return await service.call(method, parsed.params, null);
  } catch (err) {
    // LabService.call never throws; this keeps the renderer answered if a future target does.
    return { id: null, ok: false, error: { code: 'internal', message: (err as Error).message } };
  }
}
