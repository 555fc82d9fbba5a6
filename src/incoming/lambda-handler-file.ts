import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { wrapLambdaHandler, type LambdaHandler, type LambdaTurn } from './lambda-invocation';


/**
 * The handler module the Lambda runtime will load, as the runtime and instrumentation-aws-lambda
 * find it: `_HANDLER` (`dir/file.export`) under `LAMBDA_TASK_ROOT`, with `.js`, `.mjs` or `.cjs`.
 * A definition whose patch wraps that export (lambda-invocation.ts); none outside Lambda.
 */
export function lambdaHandlerDefinitions(turn: LambdaTurn, env: NodeJS.ProcessEnv = process.env): InstrumentationNodeModuleDefinition[] {
  const file = lambdaHandlerFile(env);
  if (file === undefined) return [];
  const { filename, moduleName, functionName } = file;
  // Marks this instance's wrapper (another instance or package copy wraps it again: the outer one
  // decides, lambda-invocation.ts), and keeps what it wrapped for unpatch. Not shimmer's
  // `__wrapped`: instrumentation-aws-lambda unwraps any such export before wrapping it.
  const WRAPPED = Symbol('@rid/otel lambda handler');
  type Wrapped = LambdaHandler & { [WRAPPED]?: LambdaHandler };
  const patch = (exports: Record<string, unknown>): Record<string, unknown> => {
    const original = exports?.[functionName];
    if (typeof original === 'function' && (original as Wrapped)[WRAPPED] === undefined) {
      const wrapped: Wrapped = wrapLambdaHandler(original as LambdaHandler, turn);
      if (wrapped !== original) {
        wrapped[WRAPPED] = original as LambdaHandler;
        exports[functionName] = wrapped;
      }
    }
    return exports;
  };
  const unpatch = (exports: Record<string, unknown> | undefined): void => {
    const current = exports?.[functionName] as Wrapped | undefined;
    if (typeof current === 'function' && current[WRAPPED] !== undefined) exports![functionName] = current[WRAPPED];
  };
  // As instrumentation-aws-lambda declares it: the module is the absolute file name, the file its base name.
  return [new InstrumentationNodeModuleDefinition(filename, ['*'], undefined, undefined, [new InstrumentationNodeModuleFile(moduleName, ['*'], patch, unpatch)])];
}

/** The handler's file, module and export, or undefined outside Lambda. */
export function lambdaHandlerFile(env: NodeJS.ProcessEnv = process.env): { filename: string; moduleName: string; functionName: string } | undefined {
  const taskRoot = env.LAMBDA_TASK_ROOT;
  const handlerDef = env._HANDLER;
  if (!taskRoot || !handlerDef) return undefined;
  const handler = basename(handlerDef);
  const [moduleName, functionName] = handler.split('.', 2);
  if (!moduleName || !functionName) return undefined;
  return { filename: withExtension(resolve(taskRoot, handlerDef.slice(0, handlerDef.length - handler.length), moduleName)), moduleName, functionName };
}

function withExtension(filename: string): string {
  if (filename.endsWith('.js')) return filename;
  for (const extension of ['.js', '.mjs', '.cjs']) {
    try {
      statSync(filename + extension);
      return filename + extension;
    } catch {
      // not this one
    }
  }
  return `${filename}.js`;
}
