/**
 * HTTP/1.1 over a bare `net.Socket`: for the bytes Node's own client refuses to send (raw
 * 0x80-0xFF from UTF-8, control characters, CR/LF inside a value) and for pipelining. Just enough
 * of a response parser for the servers these tests start: a status line, headers, then a
 * Content-Length body, or a body up to the close.
 */
import * as net from 'node:net';

export interface RawResponse {
  status: number;
  /** `[name, value]` in the order received, names as sent, values as latin1. */
  headers: [string, string][];
  body: string;
}

/** The values of one response header, matched case-insensitively. */
export function headerValues(res: RawResponse, name: string): string[] {
  const key = name.toLowerCase();
  return res.headers.filter(([n]) => n.toLowerCase() === key).map(([, v]) => v);
}

/**
 * One keep-alive connection that sends requests one after another (or several at once,
 * pipelined, with `sendPipelined`) and reads their responses in order. When the server closes
 * the connection (after a 400 or 431, or `Connection: close`), the next request opens a new one.
 */
export class RawConnection {
  private socket: net.Socket | undefined;
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void }[] = [];
  private closed = true;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {}

  /** Sends one complete request and resolves with its response. */
  send(request: Buffer | string): Promise<RawResponse> {
    return this.sendPipelined([request]).then((responses) => responses[0]);
  }

  /** Writes every request in one go (HTTP pipelining) and resolves with their responses, in order. */
  async sendPipelined(requests: (Buffer | string)[]): Promise<RawResponse[]> {
    const socket = await this.connected();
    const responses = requests.map(() => new Promise<RawResponse>((resolve, reject) => this.waiting.push({ resolve, reject })));
    socket.write(Buffer.concat(requests.map((r) => (typeof r === 'string' ? Buffer.from(r, 'latin1') : r))));
    return Promise.all(responses);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connected(): Promise<net.Socket> {
    if (this.socket !== undefined && !this.closed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, this.host);
      socket.setNoDelay(true);
      this.socket = socket;
      this.buffer = Buffer.alloc(0);
      this.closed = false;
      socket.once('connect', () => resolve(socket));
      socket.on('data', (chunk: Buffer) => {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        this.drain(false);
      });
      socket.on('error', (err) => {
        if (this.waiting.length === 0) reject(err);
      });
      socket.on('close', () => {
        if (this.socket === socket) this.closed = true;
        this.drain(true);
        const pending = this.waiting.splice(0);
        for (const w of pending) w.reject(new Error('connection closed before a response'));
      });
    });
  }

  /** Resolves every complete response in the buffer; at the close, a body without length ends there. */
  private drain(atClose: boolean): void {
    while (this.waiting.length > 0) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1] ?? 0);
      const headers = head.slice(1).map((line): [string, string] => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1).trim()];
      });
      const lengthHeader = headers.find(([n]) => n.toLowerCase() === 'content-length');
      let bodyEnd: number;
      if (lengthHeader !== undefined) {
        bodyEnd = end + 4 + Number(lengthHeader[1]);
        if (this.buffer.length < bodyEnd) return;
      } else if (headers.some(([n, v]) => n.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v))) {
        this.waiting.shift()!.reject(new Error('chunked responses are not expected from these test servers'));
        this.close();
        return;
      } else if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
        bodyEnd = end + 4;
      } else {
        if (!atClose) return; // a body delimited by the close (Node's 400/431)
        bodyEnd = this.buffer.length;
      }
      const body = this.buffer.subarray(end + 4, bodyEnd).toString('latin1');
      this.buffer = this.buffer.subarray(bodyEnd);
      this.waiting.shift()!.resolve({ status, headers, body });
    }
  }
}

/** Runs `tasks` with at most `limit` in flight; resolves with their results in order. */
export async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  });
  await Promise.all(lanes);
  return results;
}
