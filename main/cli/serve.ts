/** `skill-lab serve`: browser mode on 127.0.0.1 until Ctrl-C, which stops the runs gracefully. */
import { UsageError } from './errors.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { defaultStaticDir } from '../server/server.ts';

export interface ServeOptions {
  port: number;
  staticDir?: string;
  workspace?: string;
}

/**
 * Starts the server and prints its URL (with the session token) and what it serves; Ctrl-C stops
 * it. Resolves with the running server.
 * @throws Error for a port outside 0–65535 or one that cannot be bound.
 */
export async function serveCommand(opts: ServeOptions): Promise<RunningServer> {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
    throw new UsageError(`--port must be an integer in 0–65535 (0 picks a free port), got ${opts.port}`);
  const server = await startServer({
    port: opts.port,
    workspace: opts.workspace,
    staticDir: opts.staticDir ?? defaultStaticDir(),
  });
  console.log(`skill-lab is serving ${server.url}`);
  console.log(
    server.staticDir
      ? `  renderer: ${server.staticDir}`
      : `  renderer: not built (${opts.staticDir ?? defaultStaticDir()} missing): run npm run build; the API answers meanwhile`,
  );
  console.log(`  workspace: ${server.service.store.root}`);
  console.log('  only this machine can connect (127.0.0.1), and only with the token; Ctrl-C stops');

  let stopping = false;
  const stop = () => {
    if (stopping) {
      console.log('aborting without waiting for the runs');
      process.exit(130);
    }
    stopping = true;
    const live = server.service.liveRunIds().length;
    console.log(
      live > 0
        ? `stopping ${live} run process(es) after their current iteration (checkpointing; Ctrl-C again to abort)…`
        : 'closing…',
    );
    server.close().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`error while closing: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return server;
}
