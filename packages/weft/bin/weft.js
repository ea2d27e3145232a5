#!/usr/bin/env node
// The built CLI lives in dist/ (made by `npm install` through the root `prepare` script); this file
// exists in the repository so that npm can link the `weft` command before the build has run.
import '../dist/cli/main.js';
