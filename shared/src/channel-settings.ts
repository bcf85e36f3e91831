import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { describeInput } from "./describe-input";
import { ValidationError } from "./errors";
import { settingsKey } from "./meta-keys";

/**
 * Channel settings, stored in the bucket at `settingsKey` (README, "Storage
 * layout"): the API writes them, the recorder polls them. The bucket is the
 * only thing the two share, so this file is their whole agreement.
 */
export const CHANNEL_SETTINGS_SCHEMA = 1;
export const DESCRIPTION_MAX_BYTES = 128;

export type ChannelSettingStatus = "enabled" | "disabled";

export interface ChannelSettings {
  schema: typeof CHANNEL_SETTINGS_SCHEMA;
  channel: string;
  description: string;
  status: ChannelSettingStatus;
  /** Segments in the live playlist; absent means the API's LIVE_WINDOW. */
  liveWindow?: number;
  createdAt: string;
  updatedAt: string;
}

/** What a client may set (PUT /v1/channels/:ch). */
export interface ChannelSettingsInput {
  description: string;
  status: ChannelSettingStatus;
  liveWindow?: number;
}

/**
 * The fields a client may set, as zod schemas with the messages the API
 * answers (the API's request schema and OpenAPI document are built on them).
 */
export const CHANNEL_SETTINGS_INPUT_FIELDS = {
  description: z
    .string({ error: "description must be a string" })
    .refine((s) => Buffer.byteLength(s, "utf8") <= DESCRIPTION_MAX_BYTES, {
      error: `description must be at most ${DESCRIPTION_MAX_BYTES} bytes of UTF-8`,
    })
    .optional(),
  status: z
    .enum(["enabled", "disabled"], { error: 'status must be "enabled" or "disabled"' })
    .optional(),
  liveWindow: z
    .number({ error: "liveWindow must be a whole number from 1 to 100" })
    .int({ error: "liveWindow must be a whole number from 1 to 100" })
    .min(1, { error: "liveWindow must be a whole number from 1 to 100" })
    .max(100, { error: "liveWindow must be a whole number from 1 to 100" })
    .optional(),
};

const inputSchema = z.strictObject(CHANNEL_SETTINGS_INPUT_FIELDS);

/**
 * Validates a settings body, throwing a ValidationError that names the first
 * bad field (and says what is allowed). Unknown fields are refused rather
 * than silently dropped: a typo (`livewindow`) should not look like success.
 */
export function parseChannelSettingsInput(body: unknown): ChannelSettingsInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError(
      "body",
      'the body must be a JSON object such as {"description":"Front door","status":"enabled"}',
    );
  }
  const result = inputSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      throw new ValidationError(
        keys[0] ?? "body",
        `unknown field ${keys
          .slice(0, 5)
          .map((k) => describeInput(k, 64))
          .join(", ")}: allowed are description, status and liveWindow`,
      );
    }
    throw new ValidationError(String(issue.path[0] ?? "body"), issue.message);
  }
  const { description = "", status = "enabled", liveWindow } = result.data;
  return { description, status, ...(liveWindow === undefined ? {} : { liveWindow }) };
}

/** The stored settings of a channel, or undefined when it has none. Other S3 errors propagate. */
export async function readChannelSettings(
  s3: S3Client,
  bucket: string,
  movieKey: string,
  channel: string,
  abortSignal?: AbortSignal,
): Promise<ChannelSettings | undefined> {
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: settingsKey(movieKey, channel) }),
      { abortSignal },
    );
    const json = JSON.parse(await out.Body!.transformToString()) as Partial<ChannelSettings>;
    return normalizeSettings(channel, json);
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey")
      return undefined;
    throw err;
  }
}

/** Writes a channel's settings object (whole-object replace: PUT semantics). */
export async function writeChannelSettings(
  s3: S3Client,
  bucket: string,
  movieKey: string,
  settings: ChannelSettings,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: settingsKey(movieKey, settings.channel),
      Body: `${JSON.stringify(settings, null, 2)}\n`,
      ContentType: "application/json",
      CacheControl: "no-store",
    }),
  );
}

/** Settings as stored, with defaults for anything an older or hand-written object lacks. */
function normalizeSettings(channel: string, json: Partial<ChannelSettings>): ChannelSettings {
  const liveWindow = json.liveWindow;
  return {
    schema: CHANNEL_SETTINGS_SCHEMA,
    channel,
    description: typeof json.description === "string" ? json.description : "",
    status: json.status === "disabled" ? "disabled" : "enabled",
    ...(Number.isInteger(liveWindow) && liveWindow! >= 1 && liveWindow! <= 100
      ? { liveWindow }
      : {}),
    createdAt: typeof json.createdAt === "string" ? json.createdAt : new Date(0).toISOString(),
    updatedAt: typeof json.updatedAt === "string" ? json.updatedAt : new Date(0).toISOString(),
  };
}
