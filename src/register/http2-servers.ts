// The module object itself (not an import-star copy), so the replacement is what the app requires.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an import-star copy's getters cannot be replaced
import http2 = require('node:http2');

type AnyHttp2Server = http2.Http2Server | http2.Http2SecureServer;

/**
 * The HTTP/2 servers the app creates, and their open sessions, for a graceful stop. Node 20 and
 * 22.0–22.16 publish no `http2.server.*` channel, so the two public factories are wrapped (a plain
 * property replacement, so it stacks with anyone else's) and each server's `'session'` event is
 * listened to: the same on every Node line.
 */
export class Http2Servers {
  private readonly sessions = new Map<AnyHttp2Server, Set<http2.ServerHttp2Session>>();

  constructor() {
    const createServer = http2.createServer;
    const createSecureServer = http2.createSecureServer;
    const track = <S extends AnyHttp2Server>(server: S): S => {
      this.add(server);
      return server;
    };
    const patched = http2 as { createServer: typeof createServer; createSecureServer: typeof createSecureServer };
    patched.createServer = function (this: unknown, ...args: unknown[]) {
      return track(Reflect.apply(createServer, this, args) as http2.Http2Server);
    } as typeof createServer;
    patched.createSecureServer = function (this: unknown, ...args: unknown[]) {
      return track(Reflect.apply(createSecureServer, this, args) as http2.Http2SecureServer);
    } as typeof createSecureServer;
  }

  private add(server: AnyHttp2Server): void {
    const open = new Set<http2.ServerHttp2Session>();
    this.sessions.set(server, open);
    server.on('session', (session: http2.ServerHttp2Session) => {
      open.add(session);
      session.once('close', () => open.delete(session));
    });
    server.once('close', () => this.sessions.delete(server));
  }

  /**
   * Stops taking connections; each open session gets a GOAWAY and closes once its open streams
   * have finished. Resolves when every server has closed.
   */
  close(): Promise<void>[] {
    return [...this.sessions].map(
      ([server, open]) =>
        new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          server.close(() => resolve());
          for (const session of open) if (!session.closed && !session.destroyed) session.close();
        }),
    );
  }
}
