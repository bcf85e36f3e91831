/**
 * The web page's view of the API: bearer-token requests to the same origin,
 * errors surfaced with the API's own `{"error":{"code","message"}}`.
 *
 * The token arrives once in the URL fragment (`/#token=…`, as printed by the
 * demo; fragments never reach a server or its logs), is kept in this
 * browser's localStorage and removed from the address bar.
 */
const TOKEN_KEY = "kiroku.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(readonly base: string = location.origin) {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const fromUrl = fragment.get("token");
    if (fromUrl) {
      localStorage.setItem(TOKEN_KEY, fromUrl);
      fragment.delete("token");
      const rest = fragment.toString();
      history.replaceState(
        null,
        "",
        `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`,
      );
    }
  }

  get token(): string | undefined {
    return localStorage.getItem(TOKEN_KEY) ?? undefined;
  }

  set token(value: string | undefined) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  }

  /** True for URLs of this API (they get the bearer token; S3 URLs never do). */
  isApiUrl(url: string): boolean {
    return new URL(url, this.base).origin === new URL(this.base).origin;
  }

  url(path: string, query: Record<string, string | number | undefined> = {}): string {
    const u = new URL(path, this.base);
    for (const [k, v] of Object.entries(query))
      if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  headers(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(this.url(path), {
      method,
      headers: {
        ...this.headers(),
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      let code = `HTTP_${response.status}`;
      let message = response.statusText;
      try {
        const json = (await response.json()) as { error?: { code?: string; message?: string } };
        code = json.error?.code ?? code;
        message = json.error?.message ?? message;
      } catch {
        // not JSON: keep the status text
      }
      throw new ApiError(response.status, code, message);
    }
    return response;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }
}
