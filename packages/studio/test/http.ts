/**
 * Raw HTTP requests for the safety tests: node:http lets a test set any Host,
 * Origin or path bytes, as an attacker's client (or a rebinding page) would.
 */
import { request as httpRequest } from 'node:http';

/** A response: status, headers and body. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): Record<string, unknown>;
}

/** Options of {@link request}. */
export interface RequestOptions {
  method?: string;
  /** Sent as is (no normalisation of `..` or escapes). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** Sends one request to 127.0.0.1:`port`. */
export function request(port: number, o: RequestOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, headers: o.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** A multipart/form-data body with one file part. */
export function multipartBody(name: string, bytes: Uint8Array): { body: Buffer; type: string } {
  const boundary = `----pastiche${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, Buffer.from(bytes), tail]), type: `multipart/form-data; boundary=${boundary}` };
}
