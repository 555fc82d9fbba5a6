import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

type ExportResult = { code: number; error?: Error };
const KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
/** Attributes worth a line when a person reads spans in a terminal. */
const SHOWN = /^(request\.id|aws\.|http\.request\.method|http\.response\.status_code|url\.full|url\.path|http\.route|server\.address)/;

/**
 * `OTEL_TRACES_EXPORTER=console` for people: one line per span with its kind, duration, the
 * instrumentation that made it (`from=`, its scope) and the attributes that tie it to a request,
 * then one line per span event. The SDK's own console
 * exporter prints whole objects, which buries the request ID in a screenful.
 */
export class ReadableConsoleExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const [s, ns] = span.duration;
      const ms = (s * 1e3 + ns / 1e6).toFixed(1);
      const attrs = Object.entries(span.attributes)
        .filter(([key]) => SHOWN.test(key))
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join(' ');
      this.write(`[span] ${KINDS[span.kind] ?? span.kind} ${span.name} ${ms}ms trace=${span.spanContext().traceId} from=${span.instrumentationScope.name} ${attrs}`.trimEnd());
      for (const event of span.events) {
        const eventAttrs = Object.entries(event.attributes ?? {})
          .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
          .join(' ');
        this.write(`         event ${event.name} ${eventAttrs}`.trimEnd());
      }
    }
    done({ code: 0 });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
