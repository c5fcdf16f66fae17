#!/usr/bin/env node
// Entry point of the `wireseal` bin: runs the CLI and exits with its code.
import { main } from './main.js'

const code = await main(process.argv.slice(2))
process.exitCode = code
// Exit once stdout is flushed: a read given up on (a FIFO with no writer) may
// still hold a thread-pool request that would keep the process alive.
process.stdout.write('', () => process.exit(code))
