/**
 * Limits on the shape of a request's params, checked before any schema looks at them (issue #10 §4).
 * zod, the task schema's error formatting and JSON.stringify all walk a value recursively, so a
 * params value nested 100,000 levels deep overflowed the stack (a 500) where it should be refused
 * with a 4xx naming the field and the limit. The check here is iterative, so it holds for any depth.
 *
 * Browser-safe and dependency-free (part of contract.ts's import closure).
 */

/** Most levels of nested arrays and objects in a request's params (a task spec needs about 5). */
export const MAX_PARAMS_DEPTH = 32;
/** Most values (objects, arrays and leaves) in a request's params (exportEpisodes' ids: ≤ 100,000). */
export const MAX_PARAMS_VALUES = 250_000;

/** A limit a params value exceeds: the top-level field it is under ('' for the params themselves). */
export interface ParamsLimitIssue {
  path: string;
  message: string;
}

/**
 * Checks `params` against {@link MAX_PARAMS_DEPTH} and {@link MAX_PARAMS_VALUES} without recursion,
 * stopping at the first value past a limit (the work is bounded by the limits, not by the input).
 * @returns null when within the limits, else the issue: the top-level field under which the limit was
 *   passed and a message naming the limit.
 */
export function paramsLimitIssue(params: unknown): ParamsLimitIssue | null {
  if (params === null || typeof params !== 'object') return null;
  // Each entry: a value, its depth (the params object itself is depth 1) and its top-level field.
  const stack: Array<[unknown, number, string]> = [[params, 1, '']];
  let values = 0;
  while (stack.length) {
    const [value, depth, field] = stack.pop()!;
    if (++values > MAX_PARAMS_VALUES)
      return {
        path: field,
        message: `more than ${MAX_PARAMS_VALUES} values in one request (the limit of a request's params)`,
      };
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_PARAMS_DEPTH)
      return {
        path: field,
        message: `nested deeper than ${MAX_PARAMS_DEPTH} levels of arrays and objects (the limit of a request's params)`,
      };
    const children = Array.isArray(value) ? value.entries() : Object.entries(value as object);
    for (const [key, child] of children) stack.push([child, depth + 1, depth === 1 ? String(key) : field]);
  }
  return null;
}
