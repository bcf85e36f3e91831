/**
 * The few error classes every package shares. Each carries a stable `code`
 * (clients and tests match on it, never on the message) and a message that
 * says what was wrong and how to fix it. The API maps `status` straight to
 * the HTTP response; the recorder and CLIs print `message`.
 */
export class KirokuError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 500, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Bad input from a caller: a query parameter, a body field, a CLI flag. */
export class ValidationError extends KirokuError {
  /** The name of the field, parameter or flag that was wrong. */
  readonly field: string;

  constructor(field: string, message: string, code = "INVALID_ARGUMENT") {
    super(code, message, 400);
    this.field = field;
  }
}

/** One or more configuration variables are wrong; all of them are listed at once. */
export class ConfigError extends KirokuError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], source = "configuration") {
    super(
      "INVALID_CONFIG",
      `Invalid ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems
        .map((p) => `  - ${p}`)
        .join("\n")}`,
      500,
    );
    this.problems = problems;
  }
}

/** Something that was asked for does not exist (no segments in a range, unknown playlist). */
export class NotFoundError extends KirokuError {
  constructor(code: string, message: string) {
    super(code, message, 404);
  }
}

/** The object store could not be reached or refused service; callers may retry. */
export class StorageUnavailableError extends KirokuError {
  readonly retryAfterSeconds: number;

  constructor(
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; code?: string },
  ) {
    super(options?.code ?? "STORAGE_UNAVAILABLE", message, 503, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
  }
}
