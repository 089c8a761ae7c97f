#!/usr/bin/env node
'use strict';
// A shim into the compiled CLI, so the published bin path never changes with the build layout.
require('../dist/cli/index.js').main(process.argv.slice(2));
