import type { Sampler } from '@opentelemetry/sdk-trace';
import type { Warn } from './env-config';
import { warnEnv } from './env-warning';

export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
type SamplerName = (typeof SAMPLERS)[number];

/** The sampler the environment asks for: a known name, and the ratio for the ratio-based ones. */
export interface SamplerChoice {
  name: SamplerName;
  /** In [0, 1]; used by `traceidratio` and `parentbased_traceidratio` only. */
  ratio: number;
}

// The spec's defaults: parentbased_always_on, and a ratio of 1.0.
const DEFAULT: SamplerName = 'parentbased_always_on';

/**
 * `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`. An unknown sampler (jaeger_remote and xray
 * included: this SDK has neither) is the default one; a ratio that is not a number in [0, 1] is 1.
 * Each with one line. The argument of a sampler that takes none is ignored, as the spec says.
 */
export function samplerChoiceFromEnv(env: NodeJS.ProcessEnv, warn: Warn): SamplerChoice {
  const raw = env.OTEL_TRACES_SAMPLER;
  const given = raw?.trim().toLowerCase() ?? '';
  let name: SamplerName = DEFAULT;
  if ((SAMPLERS as readonly string[]).includes(given)) name = given as SamplerName;
  else if (given !== '') {
    warnEnv(warn, { variable: 'OTEL_TRACES_SAMPLER', value: raw!, expected: `one of ${SAMPLERS.join(', ')}`, using: `the default (${DEFAULT})`, example: 'parentbased_traceidratio' });
  }
  return { name, ratio: name.endsWith('traceidratio') ? ratioFromEnv(env, warn) : 1 };
}

function ratioFromEnv(env: NodeJS.ProcessEnv, warn: Warn): number {
  const raw = env.OTEL_TRACES_SAMPLER_ARG;
  const trimmed = raw?.trim() ?? '';
  if (trimmed === '') return 1;
  // A decimal number, as the spec writes it: no hex, no Infinity, no empty string read as 0.
  const value = /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : NaN;
  if (value >= 0 && value <= 1) return value;
  warnEnv(warn, { variable: 'OTEL_TRACES_SAMPLER_ARG', value: raw!, expected: 'a number from 0 to 1', using: 'the default (1.0, every trace)', example: '0.25' });
  return 1;
}

/** The SDK sampler for a choice. */
export function samplerOf(sdkTrace: typeof import('@opentelemetry/sdk-trace'), choice: SamplerChoice): Sampler {
  const { AlwaysOnSampler, AlwaysOffSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdkTrace;
  switch (choice.name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(choice.ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(choice.ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
