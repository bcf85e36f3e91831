/**
 * Keyboard shortcuts of the page and the `?` dialog that lists them. A key
 * typed into a field (the date, the token, the share link) is never taken
 * as a shortcut.
 */
export interface Shortcut {
  keys: string[];
  /** Shown in the help, e.g. "Space". */
  label: string;
  does: string;
  run(): void;
}

export class KeyboardHelp {
  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly shortcuts: Shortcut[],
  ) {
    const list = dialog.querySelector("dl")!;
    list.replaceChildren(
      ...shortcuts.flatMap((s) => {
        const dt = document.createElement("dt");
        const kbd = document.createElement("kbd");
        kbd.textContent = s.label;
        dt.append(kbd);
        const dd = document.createElement("dd");
        dd.textContent = s.does;
        return [dt, dd];
      }),
    );
    document.addEventListener("keydown", (e) => this.key(e));
  }

  open(): void {
    if (!this.dialog.open) this.dialog.showModal();
  }

  private key(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement | null;
    if (target?.closest("input, textarea, select, [contenteditable]")) return;
    if (this.dialog.open) return; // Escape closes it (the dialog does that)
    if (e.key === "?") {
      e.preventDefault();
      this.open();
      return;
    }
    // The timeline has its own keys (arrows, + and -) while it has the focus.
    if (target?.closest("#timeline")) return;
    const shortcut = this.shortcuts.find((s) => s.keys.includes(e.key));
    if (!shortcut) return;
    // Space and Enter on a focused button press the button, not a shortcut.
    if ((e.key === " " || e.key === "Enter") && target?.closest("button, video")) return;
    e.preventDefault();
    shortcut.run();
  }
}
