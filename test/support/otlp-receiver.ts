/**
 * A local OTLP/HTTP trace receiver: what Jaeger's port 4318 would get. It decodes
 * `application/x-protobuf` (the exporters' default) with a minimal wire-format reader and
 * `application/json`, and keeps every span with its service name.
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

export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  port: number;
  spans: ReceivedSpan[];
  /** Content types of the export requests received, in order. */
  contentTypes: string[];
  /** Paths of the export requests received, in order (`/v1/traces`, `/v1/metrics`, …). */
  paths: string[];
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

const KINDS: ReceivedSpan['kind'][] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
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
        if (req.url !== '/v1/traces') throw new Error(`unexpected path ${req.url}`);
        spans.push(...(type.includes('json') ? decodeJson(JSON.parse(body.toString('utf8'))) : decodeProtobuf(body)));
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
    contentTypes,
    paths,
    async waitFor(predicate, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(spans) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return spans;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- protobuf (opentelemetry/proto/collector/trace/v1/trace_service.proto) ----

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

function decodeProtobuf(buf: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of fields(buf)) {
    if (rs.no !== 1) continue;
    let service: string | undefined;
    const scopeSpans: Buffer[] = [];
    for (const f of fields(rs.value as Buffer)) {
      if (f.no === 1) service = String(decodeAttributes(f.value as Buffer, 1)['service.name'] ?? '') || undefined;
      if (f.no === 2) scopeSpans.push(f.value as Buffer);
    }
    for (const ss of scopeSpans) {
      for (const f of fields(ss)) if (f.no === 2) out.push(decodeSpan(f.value as Buffer, service));
    }
  }
  return out;
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
    if (f.no === 7) return f.value;
  }
  return undefined;
}

// ---- JSON (OTLP/JSON: hex IDs, camelCase fields) ----

type JsonValue = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: JsonValue[] } };
type JsonKv = { key: string; value: JsonValue };

function jsonValue(v: JsonValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(jsonValue);
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
