/**
 * Build-time patch that lets MuJoCo's Emscripten glue run under the renderer's strict CSP.
 *
 * The glue's embind layer generates every binding's invoker with `new Function(...)`, which a CSP
 * without 'unsafe-eval' refuses (`script-src 'self' 'wasm-unsafe-eval'` allows the wasm, not string
 * code). This patch swaps that one call for an invoker built from closures — the same steps (check
 * the argument count, convert each argument to its wire type, call, run destructors, convert the
 * result) without generating code, as Emscripten itself does when built with DYNAMIC_EXECUTION=0.
 * The same goes for embind's emval method callers (`__emval_get_method_caller`), which the bindings
 * use where they build a JS value, e.g. the `tex_adr` typed array: a closure replaces that
 * `new Function` too.
 * If a new @mujoco/mujoco release changes the patched lines, the build fails loudly instead of
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

/** The line of the glue (3.14.0) that builds emval method callers from strings. */
export const EVAL_METHOD_CALLER_LINE =
  'var invokerFunction = new Function(...params, functionBody)(...args);';

const CLOSURE_METHOD_CALLER = `var invokerFunction = skillLabMethodCallerWithoutEval(kind, retType, types, argCount);`;

/** The closure-based method caller: reads each argument from the packed buffer, calls, returns. */
const CLOSURE_METHOD_CALLER_FACTORY = `
function skillLabMethodCallerWithoutEval(kind, retType, types, argCount) {
  return function (obj, func, destructorsRef, args) {
    var list = kind === /* FUNCTION */ 0 ? [obj] : [];
    var offset = 0;
    for (var i = 0; i < argCount; ++i) {
      list.push(types[i].readValueFromPointer(args + offset));
      offset += types[i].argPackAdvance;
    }
    var rv = kind === /* CONSTRUCTOR */ 1 ? new func(...list) : func.call(...list);
    return retType.isVoid ? undefined : emval_returnValue(retType, destructorsRef, rv);
  };
}
`;

function expectOnce(code: string, line: string, what: string): void {
  const count = code.split(line).length - 1;
  if (count !== 1) {
    throw new Error(
      `@mujoco/mujoco glue: expected the ${what} line once, found it ${count} times; ` +
        'the CSP patch in renderer/build/mujoco_no_eval.ts needs updating for this MuJoCo version',
    );
  }
}

/**
 * Rewrites the glue's source.
 * @throws Error when the glue does not contain {@link EVAL_INVOKER_LINE} exactly once.
 */
export function patchMujocoGlue(code: string): string {
  expectOnce(code, EVAL_INVOKER_LINE, 'embind invoker');
  expectOnce(code, EVAL_METHOD_CALLER_LINE, 'emval method caller');
  const at = code.indexOf('function craftInvokerFunction(');
  const patched =
    code.slice(0, at) + CLOSURE_INVOKER_FACTORY + code.slice(at).replace(EVAL_INVOKER_LINE, CLOSURE_INVOKER);
  const callerAt = patched.indexOf('var __emval_get_method_caller = ');
  return (
    patched.slice(0, callerAt) +
    CLOSURE_METHOD_CALLER_FACTORY +
    patched.slice(callerAt).replace(EVAL_METHOD_CALLER_LINE, CLOSURE_METHOD_CALLER)
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
