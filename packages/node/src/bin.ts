#!/usr/bin/env node
/**
 * `wireseal-node <command>`:
 *   node     run one node (flags and P2P_* variables: CONFIGURATION.md)
 *   devnet   run N node processes on loopback with a live status view
 *   status   one-screen diagnosis of a running node from its endpoints
 *   peer-id  create (if needed) and print the identity of a data dir, e.g. to
 *            give other nodes a bootstrap address before the first start
 *
 * @module
 */
// Each command loads only what it needs: a bad flag answers before libp2p is loaded.

const USAGE = `usage: wireseal-node <command> [options]

commands:
  node      run one node (wireseal-node node --help lists every option)
  devnet    run N nodes on loopback: devnet --nodes 3 [--duration S]
  status    diagnose a running node: status [--url http://127.0.0.1:9100]
  peer-id   print (creating it if needed) the peer id of a data dir: peer-id [--data-dir DIR]
`

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'node': return await (await import('./run-node.js')).runNode(rest, process.env)
    case 'devnet': return await (await import('./devnet.js')).runDevnet(rest, process.env)
    case 'status': return await (await import('./status-command.js')).runStatus(rest)
    case 'peer-id': return await (await import('./peer-id-command.js')).runPeerId(rest, process.env)
    case '--help': case '-h': case 'help':
      process.stdout.write(USAGE)
      return 0
    default:
      process.stderr.write(command === undefined ? USAGE : `wireseal-node: unknown command '${command}'\n${USAGE}`)
      return 2
  }
}

main(process.argv.slice(2)).then((code) => { process.exit(code) }, (err: unknown) => {
  process.stderr.write(`wireseal-node: ${(err as Error)?.stack ?? String(err)}\n`)
  process.exit(1)
})
