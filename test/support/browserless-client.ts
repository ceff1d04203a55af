/**
 * A minimal browser stand-in for portal tests over HTTP: keeps cookies, follows nothing by itself,
 * and finds the CSRF token in the last page it read.
 */
export class FormClient {
  readonly cookies = new Map<string, string>();
  private lastHtml = '';

  constructor(private readonly baseUrl: string) {}

  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/Max-Age=0/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string): Promise<Response & { text: string }> {
    const response = await fetch(`${this.baseUrl}${path}`, { redirect: 'manual', headers: { cookie: this.cookieHeader(), accept: 'text/html' } });
    this.remember(response);
    const text = await response.text();
    if (text.includes('name="_csrf"')) this.lastHtml = text;
    return Object.assign(response, { text });
  }

  csrf(): string {
    return /name="_csrf" value="([^"]+)"/.exec(this.lastHtml)?.[1] ?? '';
  }

  /** A multipart form with one file, as a browser sends an upload form (the CSRF token is a field). */
  async upload(
    path: string,
    { fields, file, csrf = true, headers = {} }: { fields: Record<string, string>; file?: { name: string; type: string; data: Buffer }; csrf?: boolean; headers?: Record<string, string> },
  ): Promise<Response & { text: string }> {
    const body = new FormData();
    if (csrf) body.set('_csrf', this.csrf());
    for (const [key, value] of Object.entries(fields)) body.set(key, value);
    if (file) body.set('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
    const response = await fetch(`${this.baseUrl}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: this.cookieHeader(), ...headers }, body });
    this.remember(response);
    const text = await response.text();
    if (text.includes('name="_csrf"')) this.lastHtml = text;
    return Object.assign(response, { text });
  }

  async post(path: string, fields: Record<string, string | string[]>, { csrf = true, headers = {} }: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Response & { text: string }> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
    if (csrf) body.set('_csrf', this.csrf());
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    this.remember(response);
    const text = await response.text();
    // Error pages carry no form; keep the token of the last page that had one, as a browser tab would.
    if (text.includes('name="_csrf"')) this.lastHtml = text;
    return Object.assign(response, { text });
  }
}
