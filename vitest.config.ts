import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Two projects: `unit` (pure functions, in-process app tests, fast) and
 * `integration` (real ffmpeg, embedded S3 over HTTP, RTSP camera, Chromium).
 * Integration files are named `*.int.test.ts`; everything else is a unit test.
 */
// Workspace packages resolve to their sources; `@kiroku/test/x` to test/helpers/x.
const alias = [
  { find: /^@kiroku\/shared$/, replacement: here("./shared/src/index.ts") },
  { find: /^@kiroku\/shared\/s3-server$/, replacement: here("./shared/src/s3-server.ts") },
  { find: /^@kiroku\/recorder$/, replacement: here("./recorder/src/index.ts") },
  { find: /^@kiroku\/api$/, replacement: here("./api/src/index.ts") },
  { find: /^@kiroku\/test$/, replacement: here("./test/helpers/index.ts") },
  { find: /^@kiroku\/test\/(.*)$/, replacement: `${here("./test/helpers")}/$1` },
];

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: process.env.CI ? ["default"] : ["default"],
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          // Unit tests first (fast feedback), then the integration tests.
          sequence: { groupOrder: 0 },
          include: ["{shared,recorder,api,test}/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**", "**/dist/**"],
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: ["{shared,recorder,api,test}/**/*.int.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Real processes (ffmpeg, the S3 server, Chromium) on 2 cores: keep
          // the parallelism modest so timing-sensitive tests stay honest.
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
    ],
  },
});
