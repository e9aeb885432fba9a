// Types of the package's ES module entry (index.mjs): the same names as the
// CommonJS entry, and the whole package as the default export.
import * as httpc from "./index.js";
export * from "./index.js";
export default httpc;
