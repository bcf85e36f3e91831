import { KirokuError } from "@kiroku/shared";
import type { Access } from "./auth";

/**
 * What PUBLIC_PLAYBACK opens to a caller without credentials: playback (the
 * playlists, segments, clips and timelines of every channel) and whether each
 * channel is Live, Idle or Disabled. Everything an operator reads to run the
 * recorders (hostnames, versions, free disk, upload backlog, last errors,
 * sources, settings, run history) needs the API_TOKEN bearer: to a stranger
 * it is a map of the site.
 */
export function isPublicAccess(access: Access): boolean {
  return access.kind === "public";
}

/** A channel as an unauthenticated caller sees it: its name and live state. */
export function publicChannel(entry: Record<string, unknown>): { name: unknown; state: unknown } {
  return { name: entry.name, state: entry.state };
}

/** A channel's stat as an unauthenticated caller sees it: Live, Idle or Disabled, and since when. */
export function publicStat(stat: Record<string, unknown>): Record<string, unknown> {
  return { channel: stat.channel, state: stat.state, since: stat.since };
}

/** 401 for operator details asked for without credentials under PUBLIC_PLAYBACK. */
export function refusePublic(access: Access, what: string): void {
  if (isPublicAccess(access)) {
    throw new KirokuError(
      "AUTH_REQUIRED",
      `${what} is for operators: send Authorization: Bearer <API_TOKEN> (PUBLIC_PLAYBACK opens playback and each channel's live state only)`,
      401,
    );
  }
}
