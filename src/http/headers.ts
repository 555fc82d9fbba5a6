/** Whether a headers object has `key` (lower case) under any casing: a caller's object may write `X-Request-Id`. */
export function hasHeader(headers: Readonly<Record<string, unknown>>, key: string): boolean {
  if (headers[key] !== undefined) return true;
  for (const name in headers) if (name.length === key.length && name.toLowerCase() === key) return true;
  return false;
}

/** Whether a `content-type` value is gRPC's (`application/grpc`, `application/grpc+proto`, …). */
export function isGrpcContentType(type: unknown): boolean {
  return typeof type === 'string' && type.startsWith('application/grpc');
}
