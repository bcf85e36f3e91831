import { z } from "@hono/zod-openapi";
import { Time } from "./common-schemas";

/**
 * Answers of the channel routes (`channels.ts`, `stat.ts`): settings, live
 * state and the stat built from the recorder's heartbeat.
 */

export const ChannelStatusSchema = z.enum(["enabled", "disabled"]).openapi("ChannelStatus");
export const LiveStateSchema = z.enum(["Live", "Idle", "Disabled"]).openapi("LiveState");

const channelFields = {
  name: z.string(),
  description: z.string(),
  status: ChannelStatusSchema,
  liveWindow: z
    .int()
    .nullable()
    .openapi({ description: "The channel's own live window; null: the API's LIVE_WINDOW." }),
  effectiveLiveWindow: z.int().openapi({ description: "Segments its live playlist holds." }),
};

const media = <S extends z.core.$ZodLooseShape>(shape: S) => z.object(shape).nullable();

export const StatSchema = z
  .object({
    channel: z.string(),
    state: LiveStateSchema,
    since: Time.nullable(),
    reason: z.string().openapi({ description: "Which fact decided the state." }),
    heartbeatAge: z.number().nullable(),
    recorderState: z.string().nullable().openapi({
      description: "recording, reconnecting, disabled, error or stopped, as the recorder says.",
    }),
    sourceState: z.string().nullable().openapi({
      description:
        "The capture side in detail, as the recorder says: connecting, waiting for publisher, recording, restarting, waiting for device, source unavailable or stopped (more may be added). Null from recorders that predate it.",
    }),
    settingsStatus: ChannelStatusSchema.nullable(),
    source: z.string().nullable().openapi({ description: "Redacted." }),
    video: media({
      codec: z.string().nullable(),
      width: z.int().nullable(),
      height: z.int().nullable(),
      fps: z.number().nullable(),
      bitrate: z.number().nullable(),
    }),
    audio: media({ codec: z.string().nullable(), sampleRate: z.number().nullable() }),
    lastSegment: media({ key: z.string(), start: Time, end: Time, duration: z.number() }),
    lastSegmentTime: Time.nullable(),
    lastUploaded: media({ key: z.string(), at: Time }),
    uploadBacklog: media({ segments: z.int(), bytes: z.int() }),
    diskFreeBytes: z.int().nullable(),
    dropped: z
      .int()
      .nullable()
      .openapi({ description: "Segments dropped unuploaded since the recorder started." }),
    lastError: media({
      at: Time,
      code: z.string().optional(),
      message: z.string().openapi({ description: "Redacted." }),
      source: z.enum(["upload", "capture", "disk"]).optional(),
    }),
    clock: media({
      synchronised: z.boolean().openapi({
        description:
          "The recorder's clock is trusted. Heartbeats reach the bucket only then; while it is not, segments are held on the recorder (its /healthz says so).",
      }),
      since: Time.nullable(),
      held: z.int().openapi({ description: "Segments recorded before it was, not yet keyed." }),
    }),
    hostname: z.string().nullable(),
    recorderVersion: z.string().nullable(),
    heartbeatAt: Time.nullable(),
    heartbeatInterval: z.number().nullable().openapi({ description: "Seconds." }),
  })
  .openapi("Stat");

export const ChannelSummarySchema = z
  .object({
    ...channelFields,
    state: LiveStateSchema,
    since: Time.nullable(),
    heartbeatAge: z
      .number()
      .nullable()
      .openapi({ description: "Seconds since the recorder's heartbeat." }),
    lastSegmentTime: Time.nullable(),
    hasSettings: z.boolean(),
    hasRecordings: z.boolean(),
  })
  .openapi("ChannelSummary");

export const StoredSettingsSchema = z
  .object({
    schema: z.literal(1),
    channel: z.string(),
    description: z.string(),
    status: ChannelStatusSchema,
    liveWindow: z.int().optional(),
    createdAt: Time,
    updatedAt: Time,
  })
  .openapi("StoredSettings");

export const SettingsSchema = z
  .object({ ...channelFields, createdAt: Time, updatedAt: Time })
  .openapi("Settings");
