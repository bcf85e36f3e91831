export * from "./completed-segment";
export * from "./spool-layout";
export * from "./backoff";
export * from "./channel-recorder";
export * from "./recorder-config";
export * from "./source";
