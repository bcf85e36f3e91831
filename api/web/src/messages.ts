/**
 * The page's one message line, styled by severity: `info` (neutral, e.g.
 * "playing from 10:31"), `warning` (something to know, e.g. a gap skipped)
 * and `error` (something failed). Errors are announced to screen readers at
 * once (role="alert"); the rest politely (role="status").
 */
export type Severity = "info" | "warning" | "error";

export class Messages {
  constructor(private readonly el: HTMLElement) {}

  say(text: string, severity: Severity = "info"): void {
    this.el.textContent = text;
    this.el.dataset.severity = text ? severity : "";
    this.el.setAttribute("role", severity === "error" ? "alert" : "status");
    this.el.hidden = text === "";
  }

  clear(): void {
    this.say("");
  }

  get text(): string {
    return this.el.textContent ?? "";
  }
}
