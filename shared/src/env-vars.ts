/**
 * Small, declarative readers for environment variables. Each reader either
 * returns a value or records a problem that names the variable, what it must
 * be and what it got; `readEnv` collects every problem before failing, so an
 * operator fixes a bad config file in one pass instead of one per restart.
 */
export type Env = Record<string, string | undefined>;

export class EnvReader {
  readonly problems: string[] = [];

  constructor(readonly env: Env) {}

  /** The raw value, or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  string(
    name: string,
    fallback: string,
    opts: { pattern?: RegExp; describe?: string } = {},
  ): string {
    const value = this.raw(name) ?? fallback;
    if (opts.pattern && !opts.pattern.test(value)) {
      this.problem(
        `${name} must be ${opts.describe ?? `like ${opts.pattern}`}, got ${quote(value)}`,
      );
    }
    return value;
  }

  requiredString(name: string, describe: string): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problem(`${name} is required: ${describe}`);
      return "";
    }
    return value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problem(`${name} must be an integer from ${min} to ${max}, got ${quote(value)}`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(value)) return true;
    if (["0", "false", "no", "off"].includes(value)) return false;
    this.problem(`${name} must be true or false, got ${quote(this.raw(name)!)}`);
    return fallback;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(choices as readonly string[]).includes(value)) {
      this.problem(`${name} must be one of ${choices.join(", ")}, got ${quote(value)}`);
      return fallback;
    }
    return value as T;
  }

  url(name: string, protocols: readonly string[] = ["http:", "https:"]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const u = new URL(value);
      if (!protocols.includes(u.protocol)) throw new Error("protocol");
      return value.replace(/\/+$/, "");
    } catch {
      this.problem(
        `${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}, got ${quote(value)}`,
      );
      return undefined;
    }
  }

  /** Byte sizes: a number with an optional K/M/G/T suffix (powers of 1024), e.g. `2G`, `500M`. */
  bytes(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?$/i.exec(value);
    if (!m) {
      this.problem(
        `${name} must be a size in bytes, optionally with K, M, G or T (e.g. 2G), got ${quote(value)}`,
      );
      return fallback;
    }
    const unit = (m[2] ?? "").toUpperCase()[0] ?? "";
    const factor = { "": 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[unit] ?? 1;
    return Math.floor(Number(m[1]) * factor);
  }
}

export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}
