/**
 * The node's HTTP endpoint (metrics, probes, status) and its health model.
 *
 * @module
 */
export {
  startNodeHttp,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_SOCKETS,
  DEFAULT_MAX_STATUS_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type MetricsSource,
  type NodeHttp,
  type NodeHttpInit
} from './server.js'
export { evaluateHealth, type HealthReason, type HealthReport, type HealthState, type NodeHealthReport } from './health.js'
