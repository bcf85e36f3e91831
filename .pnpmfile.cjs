// pnpm hooks for this workspace.
//
// @20minutes/s3rver (the embedded S3 server's engine) declares a `bin` file
// it does not publish, so every install warned "Failed to create bin …
// s3rver.js ENOENT". Kiroku never uses that bin (`pnpm s3` runs the server):
// it is dropped from the manifest here.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === "@20minutes/s3rver") delete pkg.bin;
      return pkg;
    },
  },
};
