#!/usr/bin/env node
/**
 * `wireseal-node <command>`: node, devnet, status.
 *
 * @module
 */
process.stderr.write('wireseal-node: not built yet\n')
process.exitCode = 2
