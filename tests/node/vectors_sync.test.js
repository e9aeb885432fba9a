"use strict";
// Every conformance vector (tests/vectors) through the sync API.
const { runVectorSuite } = require("./support/vectors_suite");

runVectorSuite({ sync: true, concurrency: 1 });
