export * from "./completed-segment";
export * from "./spool-layout";
