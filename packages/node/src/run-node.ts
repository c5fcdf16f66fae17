/**
 * `wireseal-node node`: one node in this process until SIGINT / SIGTERM.
 *
 * Shutdown (NODE.md: Lodestar handles the signal once, a second one means
 * exit(1), then exits explicitly because `libp2p.stop()` can hang):
 * readiness goes false, the node drains within the bound, persists its
 * state and exits 0. A second signal exits 1 at once; a stop that overruns
 * the bound by 2 s exits 1.
 *
 * @module
 */
import { ConfigError, configHelp, HELP_FLAGS, parseNodeConfig, type NodeConfig } from './config.js'
import type { WiresealNode } from './node.js'

/**
 * Set by `devnet` on its nodes: stdin is a pipe from the devnet process, and
 * its end (the devnet died, however) stops the node like SIGTERM.
 */
export const DEVNET_PARENT_ENV = 'WIRESEAL_DEVNET_CHILD'

/** The line a devnet node prints on stdout once started. */
export interface DevnetStartedLine {
  readonly wiresealDevnet: 'started'
  readonly url: string
  readonly peerId: string
  readonly addrs: readonly string[]
}

/** Exit status for a bad configuration. */
export const EXIT_USAGE = 2

/** Runs the node command; resolves to the exit code. */
export async function runNode (argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.some((a) => HELP_FLAGS.includes(a))) {
    process.stdout.write(`usage: wireseal-node node [options]\n\n${configHelp()}\n`)
    return 0
  }
  let config: NodeConfig
  try {
    config = parseNodeConfig(argv, env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    for (const line of err.problems) process.stderr.write(`wireseal-node: ${line}\n`)
    return EXIT_USAGE
  }
  // loaded after the configuration is known to be good (libp2p is most of the start-up time)
  const [{ createLogger }, { WiresealNode }] = await Promise.all([import('./logger.js'), import('./node.js')])
  const log = createLogger(config.logLevel)
  let node: WiresealNode
  try {
    node = await WiresealNode.create(config, log)
    await node.start()
    if (env[DEVNET_PARENT_ENV] === '1') {
      // the devnet learns each node's endpoint and addresses from this line, whatever LOG_LEVEL is
      const started: DevnetStartedLine = { wiresealDevnet: 'started', url: node.httpUrl ?? '', peerId: node.libp2p.peerId.toString(), addrs: node.libp2p.getMultiaddrs().map(String) }
      process.stdout.write(`${JSON.stringify(started)}\n`)
    }
  } catch (err) {
    log.fatal({ err }, 'node failed to start')
    process.stderr.write(`wireseal-node: ${(err as Error).message}\n`)
    return 1
  }
  return await new Promise<number>((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now')
        process.exit(1)
      }
      stopping = true
      log.info({ signal, boundMs: config.shutdownTimeoutMs }, 'shutting down')
      const hard = setTimeout(() => {
        log.error('shutdown overran its bound')
        process.exit(1)
      }, config.shutdownTimeoutMs + 2_000)
      hard.unref()
      node.stop(config.shutdownTimeoutMs).then((clean) => {
        log.info({ clean }, 'exit')
        resolve(0)
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        resolve(1)
      })
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    if (env[DEVNET_PARENT_ENV] === '1') {
      process.stdin.on('end', () => { if (!stopping) onSignal('SIGTERM') })
      process.stdin.on('error', () => { if (!stopping) onSignal('SIGTERM') })
      process.stdin.resume()
    }
  })
}
