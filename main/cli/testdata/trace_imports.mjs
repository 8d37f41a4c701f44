// Records every module URL the process resolves into $TRACE_IMPORTS_FILE (one per line), for the test
// that `skill-lab --help` starts without loading heavy libraries (main/cli/startup.test.ts).
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(process.env.TRACE_IMPORTS_FILE)}, r.url + '\\n');
  return r;
}`)}`,
);
