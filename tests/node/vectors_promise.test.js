"use strict";
// Every conformance vector (tests/vectors) through the Promise API, several
// at once (each on a connection of its own).
const { runVectorSuite } = require("./support/vectors_suite");

runVectorSuite({ sync: false, concurrency: 6 });
