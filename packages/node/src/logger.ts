/**
 * Structured JSON logs (pino) at LOG_LEVEL, one line per event on stdout,
 * with the node's name on every line.
 *
 * @module
 */
import { pino, type Logger } from 'pino'
import type { LogLevel } from './config.js'

/** A logger writing JSON lines to stdout (synchronously, so nothing is lost at exit). */
export function createLogger (level: LogLevel, name = 'wireseal-node'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 1, sync: true }))
}
