export * from "./capture/channel-recorder";
export * from "./recorder-config";
export * from "./source";
export * from "./spool/completed-segment";
export * from "./spool/spool-layout";
