import { isEsmFile } from '../app-package';
import { lambdaHandlerFile } from '../incoming/lambda-handler-file';

/**
 * In AWS Lambda, the function's CommonJS handler module, loaded once the instrumentations are on.
 * The nodejs24.x runtime (aws-lambda-ric 4) loads handlers with `import()`, which require hooks do
 * not see: patching it there would take the ESM loader hook, whose thread and per-module hooks
 * added ~300 ms to every cold start (bench/lambda-cold-start.ts: init +380 ms with it, +75 ms
 * without). `import()` of a CommonJS file that `require` has loaded takes its exports from
 * require's cache, patched. An ES module handler is left to the loader hook (register registers it
 * for one). A handler that throws while loading is left to the runtime, which loads it again and
 * reports the error as Lambda does.
 */
export function preloadLambdaHandler(env: NodeJS.ProcessEnv = process.env): void {
  const file = lambdaHandlerFile(env);
  if (file === undefined || isEsmFile(file.filename)) return;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(file.filename);
  } catch {
    // The runtime's own load reports it.
  }
}
