export * from "./backoff";
export * from "./channel-recorder";
export * from "./completed-segment";
export * from "./recorder-config";
export * from "./source";
export * from "./spool-layout";
