/** Local-time formatting for the page: the viewer's zone, with its UTC offset shown. */

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `UTC+09:00` for the viewer's offset at `ms` (offsets change with DST). */
export function utcOffsetLabel(ms: number): string {
  const minutes = -new Date(ms).getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The viewer's zone name and offset, e.g. `Asia/Tokyo (UTC+09:00)`. */
export function zoneLabel(ms: number): string {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "local time";
  return `${name} (${utcOffsetLabel(ms)})`;
}

/** `19:30:05` (with `.250` when `millis`). */
export function clockTime(ms: number, millis = false): string {
  const d = new Date(ms);
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** `2026-11-22` in local time. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight starting the day `yyyy-mm-dd`. */
export function localMidnight(day: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d).getTime();
}

/** ISO 8601 with the viewer's offset, as the API accepts and people read. */
export function isoWithOffset(ms: number): string {
  const d = new Date(ms);
  const minutes = -d.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return `${localDay(ms)}T${clockTime(ms, true)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `1 h 20 min`, `45 s`. */
export function durationLabel(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}
