import { hasHeader } from '../http/headers';
import { isObject } from './lambda-event';

/**
 * The echo of a Lambda HTTP invocation: the headers the decision set, written into the handler's
 * result once it exists. Only a proxy result (an object with a numeric `statusCode`) is an HTTP
 * response: HTTP API and function URLs turn any other result into a 200 whose body is that
 * result, so another shape is left alone. A header the handler set (in `headers` or
 * `multiValueHeaders`, any case) wins, as on a server.
 */
export class LambdaEcho {
  private readonly entries: [name: string, key: string, value: string][] = [];

  constructor(private readonly multiValueOnly: boolean) {}

  /** IncomingAdapter.setResponseHeader: kept until the result exists. */
  add(name: string, key: string, value: string): void {
    this.entries.push([name, key, value]);
  }

  /** Writes the headers into `result` when it is a proxy result; returns `result` itself. */
  applyTo<T>(result: T): T {
    if (this.entries.length === 0 || !isObject(result) || typeof result.statusCode !== 'number') return result;
    const response: Record<string, unknown> = result;
    // An ALB with multi-value headers on reads `multiValueHeaders` only; API Gateway merges both.
    const multi = this.multiValueOnly || (isObject(response.multiValueHeaders) && !isObject(response.headers));
    for (const [name, key, value] of this.entries) {
      if (setByHandler(response.headers, key) || setByHandler(response.multiValueHeaders, key)) continue;
      if (multi) {
        const headers = isObject(response.multiValueHeaders) ? response.multiValueHeaders : (response.multiValueHeaders = {});
        headers[name] = [value];
      } else {
        const headers = isObject(response.headers) ? response.headers : (response.headers = {});
        headers[name] = value;
      }
    }
    return result;
  }
}

function setByHandler(headers: unknown, key: string): boolean {
  return isObject(headers) && hasHeader(headers, key);
}
