/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: [
    "<rootDir>/test",
    "<rootDir>/lib",
    "<rootDir>/components",
    "<rootDir>/cli",
    "<rootDir>/policies",
  ],
  testMatch: ["**/*.test.ts"],
  globalSetup: "<rootDir>/test/globalSetup.js",
  // Tests never read a user's tenant or stack files (test/userFiles.js).
  setupFiles: ["<rootDir>/test/userFiles.js"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  // Two cores here and in CI: more workers only add contention.
  maxWorkers: 2,
  testTimeout: 30000,
};
