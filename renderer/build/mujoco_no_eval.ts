/**
 * Build-time patch that lets MuJoCo's Emscripten glue run under the renderer's strict CSP.
 *
 * The glue's embind layer generates every binding's invoker with `new Function(...)`, which a CSP
 * without 'unsafe-eval' refuses (`script-src 'self' 'wasm-unsafe-eval'` allows the wasm, not string
 * code). This patch swaps that one call for an invoker built from closures — the same steps (check
 * the argument count, convert each argument to its wire type, call, run destructors, convert the
 * result) without generating code, as Emscripten itself does when built with DYNAMIC_EXECUTION=0.
 * If a new @mujoco/mujoco release changes the patched line, the build fails loudly instead of
 * shipping a glue that the CSP would break at run time.
 */
import type { Plugin } from 'vite';

/** The one line of the glue (3.14.0) that builds invokers from strings. */
export const EVAL_INVOKER_LINE = 'var invokerFn = new Function(...args, invokerFnBody)(...closureArgs);';

const CLOSURE_INVOKER = `var invokerFn = skillLabInvokerWithoutEval(argTypes, isClassMethodFunc, returns, cppInvokerFunc, cppTargetFunc, humanName, minArgs, expectedArgCount);`;

/** The closure-based invoker, injected into the glue's scope (it uses the glue's helpers). */
const CLOSURE_INVOKER_FACTORY = `
function skillLabInvokerWithoutEval(argTypes, isClassMethodFunc, returns, invoker, fn, humanName, minArgs, maxArgs) {
  var needsDestructorStack = usesDestructorStack(argTypes);
  var argCount = argTypes.length - 2;
  return function (...args) {
    checkArgCount(args.length, minArgs, maxArgs, humanName, throwBindingError);
    var destructors = needsDestructorStack ? [] : null;
    var wired = [fn];
    if (isClassMethodFunc) wired.push(argTypes[1]['toWireType'](destructors, this));
    for (var i = 0; i < argCount; ++i) wired.push(argTypes[i + 2]['toWireType'](destructors, args[i]));
    var rv = invoker(...wired);
    if (needsDestructorStack) {
      runDestructors(destructors);
    } else {
      // wired = [fn, thisWired?, arg0Wired, ...]: the wired value of argTypes[i] sits at i when there
      // is a this-argument, else at i - 1.
      for (var j = isClassMethodFunc ? 1 : 2; j < argTypes.length; ++j) {
        var dtor = argTypes[j].destructorFunction;
        if (dtor !== null) dtor(wired[isClassMethodFunc ? j : j - 1]);
      }
    }
    return returns ? argTypes[0]['fromWireType'](rv) : undefined;
  };
}
`;

/**
 * Rewrites the glue's source.
 * @throws Error when the glue does not contain {@link EVAL_INVOKER_LINE} exactly once.
 */
export function patchMujocoGlue(code: string): string {
  const count = code.split(EVAL_INVOKER_LINE).length - 1;
  if (count !== 1) {
    throw new Error(
      `@mujoco/mujoco glue: expected the embind invoker line once, found it ${count} times; ` +
        'the CSP patch in renderer/build/mujoco_no_eval.ts needs updating for this MuJoCo version',
    );
  }
  const at = code.indexOf('function craftInvokerFunction(');
  return (
    code.slice(0, at) + CLOSURE_INVOKER_FACTORY + code.slice(at).replace(EVAL_INVOKER_LINE, CLOSURE_INVOKER)
  );
}

/** Vite plugin applying {@link patchMujocoGlue} to @mujoco/mujoco's single-threaded glue. */
export function mujocoWithoutEval(): Plugin {
  return {
    name: 'skill-lab:mujoco-without-eval',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]@mujoco[\\/]mujoco[\\/]mujoco\.js$/.test(id.split('?')[0])) return null;
      return { code: patchMujocoGlue(code), map: null };
    },
  };
}
