/**
 * A local OTLP/HTTP receiver of traces (`/v1/traces`) and logs (`/v1/logs`): what a collector's
 * port 4318 would get. It decodes `application/x-protobuf` (the exporters' default) with a minimal
 * wire-format reader and `application/json`, and keeps every span and log record with its service name.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface ReceivedSpan {
  service: string | undefined;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
}

export interface ReceivedLog {
  service: string | undefined;
  /** The instrumentation scope that emitted it (`@opentelemetry/instrumentation-pino`, a Logs API logger's name). */
  scope: string;
  body: unknown;
  severityText: string;
  attributes: Record<string, unknown>;
  traceId: string;
  spanId: string;
}

export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  port: number;
  spans: ReceivedSpan[];
  logs: ReceivedLog[];
  /** Content types of the export requests received, in order. */
  contentTypes: string[];
  /** Paths of the export requests received, in order (`/v1/traces`, `/v1/metrics`, …). */
  paths: string[];
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  waitForLogs(predicate: (logs: ReceivedLog[]) => boolean, timeoutMs?: number): Promise<ReceivedLog[]>;
  close(): Promise<void>;
}

const KINDS: ReceivedSpan['kind'][] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const logs: ReceivedLog[] = [];
  const contentTypes: string[] = [];
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const type = String(req.headers['content-type'] ?? '');
      contentTypes.push(type);
      paths.push(req.url ?? '');
      try {
        const json = type.includes('json');
        if (req.url === '/v1/traces') spans.push(...(json ? decodeJson(JSON.parse(body.toString('utf8'))) : decodeProtobuf(body)));
        else if (req.url === '/v1/logs') logs.push(...(json ? decodeJsonLogs(JSON.parse(body.toString('utf8'))) : decodeProtobufLogs(body)));
        else throw new Error(`unexpected path ${req.url}`);
        res.writeHead(200, { 'content-type': type.includes('json') ? 'application/json' : 'application/x-protobuf' });
        res.end(type.includes('json') ? '{}' : undefined);
      } catch (err) {
        res.writeHead(400).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    spans,
    logs,
    contentTypes,
    paths,
    waitFor: (predicate, timeoutMs) => until(spans, predicate, timeoutMs),
    waitForLogs: (predicate, timeoutMs) => until(logs, predicate, timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until<T>(items: T[], predicate: (items: T[]) => boolean, timeoutMs = 10000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(items) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return items;
}

// ---- protobuf (opentelemetry/proto/collector/{trace,logs}/v1/*_service.proto) ----

type Field = { no: number; wire: number; value: number | Buffer };

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = buf[pos++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 1) {
      yield { no, wire, value: buf.subarray(pos, pos + 8) };
      pos += 8;
    } else if (wire === 2) {
      const len = varint();
      yield { no, wire, value: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 5) {
      yield { no, wire, value: buf.subarray(pos, pos + 4) };
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

/**
 * The items of an export request (ExportTraceServiceRequest, ExportLogsServiceRequest): resource
 * messages (1) > Resource (1) and scope messages (2) > InstrumentationScope (1) and the items (2),
 * spans or log records, each with its service and scope name.
 */
function* scopeItems(buf: Buffer): Generator<{ service: string | undefined; scope: string; item: Buffer }> {
  for (const resource of fields(buf)) {
    if (resource.no !== 1) continue;
    let service: string | undefined;
    const scopes: Buffer[] = [];
    for (const f of fields(resource.value as Buffer)) {
      if (f.no === 1) service = String(decodeAttributes(f.value as Buffer, 1)['service.name'] ?? '') || undefined;
      if (f.no === 2) scopes.push(f.value as Buffer);
    }
    for (const scopeMessage of scopes) {
      let scope = '';
      for (const f of fields(scopeMessage)) {
        if (f.no === 1) scope = stringField(f.value as Buffer, 1);
        if (f.no === 2) yield { service, scope, item: f.value as Buffer };
      }
    }
  }
}

function decodeProtobuf(buf: Buffer): ReceivedSpan[] {
  return [...scopeItems(buf)].map(({ service, item }) => decodeSpan(item, service));
}

function decodeProtobufLogs(buf: Buffer): ReceivedLog[] {
  return [...scopeItems(buf)].map(({ service, scope, item }) => decodeLogRecord(item, service, scope));
}

function decodeLogRecord(buf: Buffer, service: string | undefined, scope: string): ReceivedLog {
  const log: ReceivedLog = { service, scope, body: undefined, severityText: '', attributes: {}, traceId: '', spanId: '' };
  for (const f of fields(buf)) {
    if (f.no === 3) log.severityText = (f.value as Buffer).toString('utf8');
    else if (f.no === 5) log.body = anyValue(f.value as Buffer);
    else if (f.no === 6) Object.assign(log.attributes, keyValue(f.value as Buffer));
    else if (f.no === 9) log.traceId = (f.value as Buffer).toString('hex');
    else if (f.no === 10) log.spanId = (f.value as Buffer).toString('hex');
  }
  return log;
}

function decodeSpan(buf: Buffer, service: string | undefined): ReceivedSpan {
  const span: ReceivedSpan = { service, traceId: '', spanId: '', parentSpanId: '', name: '', kind: 'UNSPECIFIED', attributes: {}, events: [] };
  for (const f of fields(buf)) {
    if (f.no === 1) span.traceId = (f.value as Buffer).toString('hex');
    else if (f.no === 2) span.spanId = (f.value as Buffer).toString('hex');
    else if (f.no === 4) span.parentSpanId = (f.value as Buffer).toString('hex');
    else if (f.no === 5) span.name = (f.value as Buffer).toString('utf8');
    else if (f.no === 6) span.kind = KINDS[f.value as number];
    else if (f.no === 9) Object.assign(span.attributes, keyValue(f.value as Buffer));
    else if (f.no === 11) {
      const event = { name: '', attributes: {} as Record<string, unknown> };
      for (const e of fields(f.value as Buffer)) {
        if (e.no === 2) event.name = (e.value as Buffer).toString('utf8');
        if (e.no === 3) Object.assign(event.attributes, keyValue(e.value as Buffer));
      }
      span.events.push(event);
    }
  }
  return span;
}

function stringField(buf: Buffer, no: number): string {
  for (const f of fields(buf)) if (f.no === no) return (f.value as Buffer).toString('utf8');
  return '';
}

/** The KeyValue entries found under field `no` of a message (Resource: 1). */
function decodeAttributes(buf: Buffer, no: number): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  for (const f of fields(buf)) if (f.no === no) Object.assign(attrs, keyValue(f.value as Buffer));
  return attrs;
}

function keyValue(buf: Buffer): Record<string, unknown> {
  let key = '';
  let value: unknown;
  for (const f of fields(buf)) {
    if (f.no === 1) key = (f.value as Buffer).toString('utf8');
    if (f.no === 2) value = anyValue(f.value as Buffer);
  }
  return { [key]: value };
}

function anyValue(buf: Buffer): unknown {
  for (const f of fields(buf)) {
    if (f.no === 1) return (f.value as Buffer).toString('utf8');
    if (f.no === 2) return f.value === 1;
    if (f.no === 3) return f.value as number;
    if (f.no === 4) return (f.value as Buffer).readDoubleLE(0);
    if (f.no === 5) return [...fields(f.value as Buffer)].filter((v) => v.no === 1).map((v) => anyValue(v.value as Buffer));
    if (f.no === 6) return decodeAttributes(f.value as Buffer, 1);
    if (f.no === 7) return f.value;
  }
  return undefined;
}

// ---- JSON (OTLP/JSON: hex IDs, camelCase fields) ----

type JsonValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonValue[] };
  kvlistValue?: { values?: JsonKv[] };
};
type JsonKv = { key: string; value: JsonValue };

function jsonValue(v: JsonValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(jsonValue);
  if (v.kvlistValue !== undefined) return jsonAttributes(v.kvlistValue.values);
  return undefined;
}

function jsonAttributes(list: JsonKv[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

function decodeJson(body: {
  resourceSpans?: {
    resource?: { attributes?: JsonKv[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: JsonKv[]; events?: { name: string; attributes?: JsonKv[] }[] }[] }[];
  }[];
}): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const service = jsonAttributes(rs.resource?.attributes)['service.name'] as string | undefined;
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: KINDS[s.kind],
          attributes: jsonAttributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: jsonAttributes(e.attributes) })),
        });
      }
    }
  }
  return out;
}

function decodeJsonLogs(body: {
  resourceLogs?: {
    resource?: { attributes?: JsonKv[] };
    scopeLogs?: {
      scope?: { name?: string };
      logRecords?: { severityText?: string; body?: JsonValue; attributes?: JsonKv[]; traceId?: string; spanId?: string }[];
    }[];
  }[];
}): ReceivedLog[] {
  return (body.resourceLogs ?? []).flatMap((rl) => {
    const service = jsonAttributes(rl.resource?.attributes)['service.name'] as string | undefined;
    return (rl.scopeLogs ?? []).flatMap((sl) =>
      (sl.logRecords ?? []).map((r) => ({
        service,
        scope: sl.scope?.name ?? '',
        body: r.body === undefined ? undefined : jsonValue(r.body),
        severityText: r.severityText ?? '',
        attributes: jsonAttributes(r.attributes),
        traceId: r.traceId ?? '',
        spanId: r.spanId ?? '',
      })),
    );
  });
}
