import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { BlockList } from 'node:net'
import fc from 'fast-check'
import {
  CONFIG_VARIABLES, ConfigError, DEFAULT_INBOUND_SHARE, DEFAULT_OUTBOUND_SHARE, MAX_VALUE_CHARS, SHOWN_VALUE_CHARS, SPECS,
  cidrToMultiaddr, configHelp, parseNodeConfig, showValue
} from '../src/config.js'

const PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const PEER2 = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'
const DOCS = new URL('../CONFIGURATION.md', import.meta.url)
const SOURCE = new URL('../src/config.ts', import.meta.url)
const spec = (env: string) => SPECS.find(s => s.env === env) ?? assert.fail(`no variable ${env}`)

/** The problems of a configuration that must be rejected. */
function problemsOf (argv: readonly string[], env: Record<string, string | undefined>): readonly string[] {
  try {
    parseNodeConfig(argv, env)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`)
    return err.problems
  }
  return assert.fail(`accepted ${JSON.stringify({ argv, env })}`)
}

/**
 * Bad values per variable. Each must give exactly one problem line:
 * `<NAME>=<value>: expected <spec.expected>` plus, for some, a reason.
 */
const BAD: Readonly<Record<string, readonly string[]>> = {
  P2P_DATA_DIR: ['a\u0001b', 'x'.repeat(4097)],
  P2P_LISTEN_ADDRS: ['foo', '/', ',', '/ip4/300.0.0.1/tcp/1', '/ip4/0.0.0.0/udp/4001/quic-v1', `/ip4/1.2.3.4/tcp/1/p2p/${PEER}`, '/dns4/example.com/tcp/1', '/ip4/1.2.3.4', Array(33).fill('/ip4/0.0.0.0/tcp/0').join(',')],
  P2P_EXTERNAL_ADDRS: ['x', '/', '/ip4/1.2.3.4/tcp/99999', '/nope/1', `/ip4/1.2.3.4/tcp/1/p2p/${PEER}`],
  P2P_BOOTSTRAP_PEERS: ['/ip4/1.2.3.4/tcp/4001', '/ip4/1.2.3.4/tcp/4001/p2p/abc', `/p2p/${PEER}`, `/ip4/1.2.3.4/tcp/1/p2p/${PEER.slice(0, -1)}`, `/ip4/1.2.3.4/tcp/1/p2p/${PEER}/tcp/2`],
  P2P_BOOTSTRAP: ['maybe', '2', 'on', 'truee'],
  P2P_MAX_CONNECTIONS: ['abc', '12abc', '1.5', '-1', '0', '10001', '1e3', '0x10', '+5', '1_000'],
  P2P_MAX_INBOUND_CONNECTIONS: ['0', 'x', '10001'],
  P2P_MAX_OUTBOUND_CONNECTIONS: ['0', '-3', '2.0'],
  P2P_MAX_PENDING_INBOUND: ['0', '1001'],
  P2P_INBOUND_RATE_PER_IP: ['-5', '0', 'fast'],
  P2P_IDLE_TIMEOUT: ['1.5s', '45sec', '999ms', '2h', '-1s', 's', '45S', '1m30s'],
  P2P_STREAM_TIMEOUT: ['99ms', '11m', '0'],
  P2P_ALLOW_CIDRS: ['10.0.0.1/8', '10.0.0.0/33', '10.0.0.0/08', '300.1.1.1', '010.0.0.1', 'fe80::1%eth0', '2001:db8::1/32', '1.2.3.4/', 'example.com', '::/129', '10.0.0.0/8,1.2.3'],
  P2P_DENY_CIDRS: ['1.2.3.4/-1', '1.2.3.4/24', 'any'],
  P2P_METRICS_PORT: ['65536', '-1', 'http', '9100.0'],
  P2P_METRICS_HOST: ['a_b', '[::1]', '-bad.example', '1.2.3.4.5', 'fe80::1%lo', 'a'.repeat(64)],
  LOG_LEVEL: ['verbose', 'warning', 'info,debug'],
  P2P_NETWORK: ['Wireseal', 'a'.repeat(33), 'a b', 'a_b', 'dévnet'],
  P2P_ROLE: ['a'.repeat(33), 'rôle', 'tab\there'],
  P2P_BLOCK_INTERVAL: ['5ms', '2h', '1.5s', '-1'],
  P2P_BLOCK_SIZE: ['0', '2MiB', '1048577', '4XB', '4.5k', '-1', 'KiB'],
  P2P_GOSSIP_BATCH_RATE: ['-1', '100001', '2.5', 'often'],
  P2P_GOSSIP_BATCH_DELAY: ['0', '11s', '100 ms'],
  P2P_MAX_STORED_BLOCKS: ['0', '100000001'],
  P2P_PEERINFO_INTERVAL: ['500ms', '2h'],
  P2P_DHT: ['maybe', 'off'],
  P2P_SHUTDOWN_TIMEOUT: ['0', '11m'],
  P2P_MEMORY_LIMIT: ['1MiB', '2TiB', 'lots', '512 MiB B'],
  P2P_RATE_GOSSIP_MSGS: ['0', '100001'],
  P2P_RATE_GOSSIP_BYTES: ['1000', '2GiB'],
  P2P_RATE_STREAM_MSGS: ['0', 'x'],
  P2P_RATE_SYNC_BLOCKS: ['0', '1000001']
}

/** Two good raw values per variable with the values they parse to. */
const GOOD: Readonly<Record<string, readonly [string, unknown, string, unknown]>> = {
  P2P_DATA_DIR: ['/var/lib/wireseal', '/var/lib/wireseal', 'data dir', 'data dir'],
  P2P_LISTEN_ADDRS: ['/ip4/127.0.0.1/tcp/0', ['/ip4/127.0.0.1/tcp/0'], '/ip4/0.0.0.0/tcp/4001, /ip6/::/tcp/4001,', ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001']],
  P2P_EXTERNAL_ADDRS: ['/dns4/node.example.com/tcp/4001', ['/dns4/node.example.com/tcp/4001'], '/ip4/203.0.113.7/tcp/4001,/ip4/203.0.113.7/tcp/4001', ['/ip4/203.0.113.7/tcp/4001']],
  P2P_BOOTSTRAP_PEERS: [`/ip4/10.0.0.1/tcp/4001/p2p/${PEER}`, [`/ip4/10.0.0.1/tcp/4001/p2p/${PEER}`], `/dns4/boot.example/tcp/4001/p2p/${PEER2},/ip6/::1/tcp/1/p2p/${PEER}`, [`/dns4/boot.example/tcp/4001/p2p/${PEER2}`, `/ip6/::1/tcp/1/p2p/${PEER}`]],
  P2P_BOOTSTRAP: ['yes', true, '0', false],
  P2P_MAX_CONNECTIONS: ['10000', 10000, '1', 1],
  P2P_MAX_INBOUND_CONNECTIONS: ['100', 100, '1', 1],
  P2P_MAX_OUTBOUND_CONNECTIONS: ['7', 7, '100', 100],
  P2P_MAX_PENDING_INBOUND: ['1', 1, '1000', 1000],
  P2P_INBOUND_RATE_PER_IP: ['1', 1, '1000', 1000],
  P2P_IDLE_TIMEOUT: ['2m', 120_000, '1500', 1500],
  P2P_STREAM_TIMEOUT: ['500ms', 500, '10m', 600_000],
  P2P_ALLOW_CIDRS: ['10.0.0.0/8,192.168.1.5', ['10.0.0.0/8', '192.168.1.5/32'], '2001:DB8:0:0::/32, ::1', ['2001:db8::/32', '::1/128']],
  P2P_DENY_CIDRS: ['0.0.0.0/0', ['0.0.0.0/0'], '::ffff:10.0.0.0/104,fe80::/10', ['::ffff:a00:0/104', 'fe80::/10']],
  P2P_METRICS_PORT: ['0', 0, '65535', 65535],
  P2P_METRICS_HOST: ['0.0.0.0', '0.0.0.0', 'Metrics.Local', 'metrics.local'],
  LOG_LEVEL: ['debug', 'debug', 'SILENT', 'silent'],
  P2P_NETWORK: ['mainnet-2', 'mainnet-2', 'a', 'a'],
  P2P_ROLE: ['archive node #1', 'archive node #1', 'x', 'x'],
  P2P_BLOCK_INTERVAL: ['0', 0, '100ms', 100],
  P2P_BLOCK_SIZE: ['4KB', 4000, '64k', 65536],
  P2P_GOSSIP_BATCH_RATE: ['0', 0, '100000', 100_000],
  P2P_GOSSIP_BATCH_DELAY: ['1ms', 1, '10s', 10_000],
  P2P_MAX_STORED_BLOCKS: ['1', 1, '100000000', 100_000_000],
  P2P_PEERINFO_INTERVAL: ['1h', 3_600_000, '30s', 30_000],
  P2P_DHT: ['false', false, 'TRUE', true],
  P2P_SHUTDOWN_TIMEOUT: ['1s', 1000, '10m', 600_000],
  P2P_MEMORY_LIMIT: ['1GiB', 1024 ** 3, '2GB', 2e9],
  P2P_RATE_GOSSIP_MSGS: ['1', 1, '100000', 100_000],
  P2P_RATE_GOSSIP_BYTES: ['1KiB', 1024, '1 MiB', 1024 ** 2],
  P2P_RATE_STREAM_MSGS: ['5', 5, '100000', 100_000],
  P2P_RATE_SYNC_BLOCKS: ['1', 1, '1000000', 1_000_000]
}

test('the test tables cover every variable, and every NodeConfig field has exactly one variable', () => {
  const envs = CONFIG_VARIABLES.map(v => v.env)
  assert.deepEqual(Object.keys(BAD).sort(), [...envs].sort())
  assert.deepEqual(Object.keys(GOOD).sort(), [...envs].sort())
  assert.equal(new Set(envs).size, envs.length)
  assert.equal(new Set(CONFIG_VARIABLES.map(v => v.flag)).size, envs.length)
  // The interface's fields, read from the source: the table neither misses nor invents one.
  const body = /export interface NodeConfig \{([\s\S]*?)\n\}/.exec(readFileSync(SOURCE, 'utf8'))?.[1] ?? ''
  const fields = [...body.matchAll(/^ {2}readonly (\w+):/gm)].map(m => m[1])
  assert.deepEqual(fields, CONFIG_VARIABLES.map(v => v.field))
  assert.deepEqual(Object.keys(parseNodeConfig([], {})), fields)
})

test('every bad value of every variable gives exactly its one problem line, from env and from flag alike', () => {
  for (const [env, values] of Object.entries(BAD)) {
    const s = spec(env)
    for (const bad of values) {
      for (const [name, argv, vars] of [[env, [], { [env]: bad }], [s.flag, [`${s.flag}=${bad}`], {}]] as const) {
        const problems = problemsOf(argv, vars)
        assert.equal(problems.length, 1, `${name}=${bad}: ${problems.join(' | ')}`)
        const line = problems[0] ?? ''
        assert.ok(line.startsWith(`${name}=${showValue(bad.trim())}: expected `), line)
        assert.ok(line.includes(s.expected) || /expected at most/.test(line), line)
        assert.ok(!/[\n\r]/.test(line) && line.length < 400, `one line: ${line}`)
      }
    }
  }
})

test('problem lines are stable: exact text for one value of each format', () => {
  const cases: ReadonlyArray<readonly [Record<string, string>, string]> = [
    [{ P2P_MAX_CONNECTIONS: 'abc' }, 'P2P_MAX_CONNECTIONS=abc: expected an integer from 1 to 10000'],
    [{ P2P_BOOTSTRAP: 'maybe' }, 'P2P_BOOTSTRAP=maybe: expected true, false, 1, 0, yes or no'],
    [{ P2P_IDLE_TIMEOUT: '1.5s' }, 'P2P_IDLE_TIMEOUT=1.5s: expected a duration from 1s to 1h (like 500ms, 45s, 2m or plain milliseconds)'],
    [{ P2P_BLOCK_SIZE: '2MiB' }, 'P2P_BLOCK_SIZE=2MiB: expected a size from 1B to 1MiB (like 4096, 64k, 4KB or 4KiB)'],
    [{ P2P_BLOCK_INTERVAL: '5ms' }, 'P2P_BLOCK_INTERVAL=5ms: expected 0 (do not produce) or a duration from 10ms to 1h (like 500ms, 45s, 2m or plain milliseconds)'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL=verbose: expected one of fatal, error, warn, info, debug, trace, silent'],
    [{ P2P_METRICS_PORT: '65536' }, 'P2P_METRICS_PORT=65536: expected an integer from 0 to 65535 (0 = ephemeral)'],
    [{ P2P_NETWORK: 'Wireseal' }, 'P2P_NETWORK=Wireseal: expected 1 to 32 characters from a-z, 0-9 and -'],
    [{ P2P_ALLOW_CIDRS: '10.0.0.1/8' }, 'P2P_ALLOW_CIDRS=10.0.0.1/8: expected at most 1024 comma-separated IPv4/IPv6 CIDRs like 10.0.0.0/8 or 2001:db8::/32 (a bare address is a /32 or /128); item 1 "10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)'],
    [{ P2P_BOOTSTRAP_PEERS: '/ip4/1.2.3.4/tcp/4001' }, 'P2P_BOOTSTRAP_PEERS=/ip4/1.2.3.4/tcp/4001: expected at most 256 comma-separated multiaddrs ending in /p2p/<peer id>; item 1 "/ip4/1.2.3.4/tcp/4001" does not end in /p2p/<peer id>'],
    [{ P2P_LISTEN_ADDRS: '/ip4/0.0.0.0/udp/4001/quic-v1' }, 'P2P_LISTEN_ADDRS=/ip4/0.0.0.0/udp/4001/quic-v1: expected 1 to 32 comma-separated /ip4|ip6/<address>/tcp/<port> multiaddrs; item 1 "/ip4/0.0.0.0/udp/4001/quic-v1" is not /ip4|ip6/<address>/tcp/<port> (the node listens on TCP only)'],
    [{ P2P_MAX_INBOUND_CONNECTIONS: '101' }, 'P2P_MAX_INBOUND_CONNECTIONS=101: expected at most the default max connections (100)'],
    [{ P2P_MAX_CONNECTIONS: '10', P2P_MAX_OUTBOUND_CONNECTIONS: '11' }, 'P2P_MAX_OUTBOUND_CONNECTIONS=11: expected at most P2P_MAX_CONNECTIONS=10'],
    [{ P2P_MAX_CONECTIONS: '5' }, 'P2P_MAX_CONECTIONS: unknown variable (did you mean P2P_MAX_CONNECTIONS?); see CONFIGURATION.md']
  ]
  for (const [env, line] of cases) assert.deepEqual(problemsOf([], env), [line])
})

test('precedence per variable: flag over env over default; the flag takes --name value and --name=value', () => {
  const defaults = parseNodeConfig([], {})
  for (const s of SPECS) {
    const [rawA, a, rawB, b] = GOOD[s.env] ?? assert.fail(s.env)
    const field = s.field
    // Inbound/outbound must stay within the total, so raise it where these samples need it.
    const room = field === 'maxInboundConnections' || field === 'maxOutboundConnections' ? { P2P_MAX_CONNECTIONS: '100' } : {}
    const get = (argv: string[], env: Record<string, string>): unknown => parseNodeConfig(argv, { ...room, ...env })[field]
    const flagged = s.kind === 'boolean' ? [`${s.flag}=${rawA}`] : [s.flag, rawA]
    assert.deepEqual(get(flagged, { [s.env]: rawB }), a, `${s.flag} beats ${s.env}`)
    assert.deepEqual(get([`${s.flag}=${rawA}`], {}), a, `${s.flag}=`)
    assert.deepEqual(get([], { [s.env]: rawB }), b, `${s.env} beats the default`)
    assert.deepEqual(get([], { [s.env]: '' }), defaults[field], `empty ${s.env} is unset`)
    assert.deepEqual(get([], { [s.env]: '  \t' }), defaults[field], `blank ${s.env} is unset`)
    assert.deepEqual(get([], {}), defaults[field])
  }
})

test('defaults: each documented default parses to the value used, and matches the TSDoc @default of its field', () => {
  const config = parseNodeConfig([], {})
  const source = readFileSync(SOURCE, 'utf8')
  for (const s of SPECS) {
    if (s.field === 'maxInboundConnections' || s.field === 'maxOutboundConnections') continue // derived, below
    const parsed = s.default === '' ? { ok: true, value: [] } : s.parse(s.default)
    assert.deepEqual(parsed, { ok: true, value: config[s.field] }, `${s.env} default ${s.default}`)
    assert.deepEqual(config[s.field], s.fallback(0))
  }
  for (const s of SPECS) {
    const doc = new RegExp(`@default ([^\\n]*?)\\s*(?:\\*/)?\\n(?:\\s*\\*/\\n)?\\s*readonly ${s.field}:`).exec(source)?.[1]
    assert.ok(doc !== undefined, `TSDoc @default of ${s.field}`)
    assert.equal(s.default === '' ? doc : /\(([^()]*)\)$/.exec(doc)?.[1], s.default === '' ? 'none' : s.default, s.field)
  }
})

test('defaults: inbound and outbound limits are 80% and 50% of the resolved total, rounded, and never above it', () => {
  assert.equal(DEFAULT_INBOUND_SHARE, 0.8)
  assert.equal(DEFAULT_OUTBOUND_SHARE, 0.5)
  const limits = (argv: string[], env: Record<string, string>) => {
    const c = parseNodeConfig(argv, env)
    return [c.maxConnections, c.maxInboundConnections, c.maxOutboundConnections]
  }
  assert.deepEqual(limits([], {}), [100, 80, 50])
  assert.deepEqual(limits([], { P2P_MAX_CONNECTIONS: '7' }), [7, 6, 4])
  assert.deepEqual(limits(['--max-connections', '1'], { P2P_MAX_CONNECTIONS: '500' }), [1, 1, 1])
  assert.deepEqual(limits([], { P2P_MAX_CONNECTIONS: '500', P2P_MAX_OUTBOUND_CONNECTIONS: '500' }), [500, 400, 500])
  fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), max => {
    const [total = 0, inbound = 0, outbound = 0] = limits([], { P2P_MAX_CONNECTIONS: String(max) })
    return total === max && inbound >= 1 && inbound <= max && outbound >= 1 && outbound <= max
  }), { numRuns: 200 })
})

test('all bad values are reported together, flag problems first, then values in table order', () => {
  const env: Record<string, string> = {}
  for (const [name, values] of Object.entries(BAD)) env[name] = values[0] ?? ''
  env.P2P_MAX_CONNECTIONS = '5' // valid, so that inbound/outbound get checked against it
  env.P2P_MAX_INBOUND_CONNECTIONS = '6'
  env.P2P_MAX_OUTBOUND_CONNECTIONS = '7'
  env.P2P_LISTN_ADDRS = '/ip4/0.0.0.0/tcp/1'
  const problems = problemsOf(['--nope', '--role=x', '--role=y'], env)
  const names = problems.map(p => /^[^=:]+/.exec(p)?.[0])
  const valueNames = SPECS.map(s => s.env).filter(n => !['P2P_MAX_CONNECTIONS', 'P2P_MAX_INBOUND_CONNECTIONS', 'P2P_MAX_OUTBOUND_CONNECTIONS', 'P2P_ROLE'].includes(n))
  assert.deepEqual(names, ['--nope', '--role', ...valueNames, 'P2P_MAX_INBOUND_CONNECTIONS', 'P2P_MAX_OUTBOUND_CONNECTIONS', 'P2P_LISTN_ADDRS'])
  assert.match(problems.at(-1) ?? '', /did you mean P2P_LISTEN_ADDRS\?/)
})

test('flag syntax: unknown, missing value, positional, repeated; every mistake gets one line', () => {
  assert.deepEqual(problemsOf(['--lisen', '/ip4/0.0.0.0/tcp/1'], {}), ['--lisen: unknown flag (did you mean --listen?); see --help'])
  assert.deepEqual(problemsOf(['--frobnicate=1'], {}), ['--frobnicate: unknown flag; see --help'])
  assert.deepEqual(problemsOf(['-listen'], {}), ['-listen: unknown flag (did you mean --listen?); see --help'])
  assert.deepEqual(problemsOf(['-x'], {}), ['-x: unknown flag; see --help'])
  assert.deepEqual(problemsOf(['--data-dir'], {}), ['--data-dir: missing value; expected a path (no control characters, at most 4096 characters) (write --data-dir=<value> for a value starting with "-")'])
  assert.match(problemsOf(['--listen', '--bootstrap'], {})[0] ?? '', /^--listen: missing value/)
  assert.deepEqual(problemsOf(['', 'a "b"'], {}).map(p => p.split(':')[0]), ['""', '"a \\"b\\""'])
  assert.deepEqual(problemsOf(['node'], {}), ['node: unexpected argument; flags take the form --name value or --name=value'])
  assert.deepEqual(problemsOf(['--dht', 'false'], {}), ['false: unexpected argument; write --dht=false to give a boolean flag a value'])
  assert.deepEqual(problemsOf(['--role=a', '--role', 'b', '--role=c'], {}), ['--role: given more than once'])
  assert.deepEqual(problemsOf(['--max-connections='], {}), ['--max-connections=: expected an integer from 1 to 10000'])
  assert.deepEqual(problemsOf(['--', '--listen'], {}), ['--listen: unexpected argument; flags take the form --name value or --name=value'])
  assert.deepEqual(problemsOf(['--a', '--b=1', 'c', '--max-connections', 'x', 'd'], {}), [
    '--a: unknown flag; see --help', '--b: unknown flag; see --help', 'c: unexpected argument; flags take the form --name value or --name=value',
    'd: unexpected argument; flags take the form --name value or --name=value',
    '--max-connections=x: expected an integer from 1 to 10000'
  ])
})

test('flag forms that are accepted: bare boolean, inline boolean, repeated list flags, a value starting with "-" inline, --help left to the caller', () => {
  const c = parseNodeConfig(['--bootstrap', '--dht=no', '--listen', '/ip4/0.0.0.0/tcp/1', '--listen=/ip4/0.0.0.0/tcp/2,/ip4/0.0.0.0/tcp/1', '--data-dir=-odd', '--help', '-h'], {})
  assert.equal(c.bootstrap, true)
  assert.equal(c.dht, false)
  assert.deepEqual(c.listenAddrs, ['/ip4/0.0.0.0/tcp/1', '/ip4/0.0.0.0/tcp/2'])
  assert.equal(c.dataDir, '-odd')
  // An explicit empty list flag overrides its variable with "none".
  assert.deepEqual(parseNodeConfig(['--announce='], { P2P_EXTERNAL_ADDRS: '/ip4/1.2.3.4/tcp/1' }).externalAddrs, [])
})

test('environment: unknown P2P_* variables are problems (typos), other variables and empty ones are ignored', () => {
  assert.doesNotThrow(() => parseNodeConfig([], { PATH: '/bin', HOME: '/root', LOG_FORMAT: 'json', P2P_UNUSED: '', P2P_BLANK: ' ', P2P_UNSET: undefined }))
  assert.deepEqual(problemsOf([], { P2P_ZZZ: '1' }), ['P2P_ZZZ: unknown variable; see CONFIGURATION.md'])
  assert.deepEqual(problemsOf([], { P2P_DHT_: 'true' }), ['P2P_DHT_: unknown variable (did you mean P2P_DHT?); see CONFIGURATION.md'])
})

test('ConfigError: name, message = problems joined, problems frozen; the returned config is frozen', () => {
  const err = new ConfigError(['a', 'b'])
  assert.ok(err instanceof Error)
  assert.equal(err.name, 'ConfigError')
  assert.equal(err.message, 'a\nb')
  assert.ok(Object.isFrozen(err.problems))
  const c = parseNodeConfig([], {})
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.listenAddrs))
})

test('a shown value is cut to 40 characters and escaped to one line; oversized values are refused unread', () => {
  const long = `/ip4/1.2.3.4/tcp/1/p2p/${'x'.repeat(80)}`
  const [line = ''] = problemsOf([], { P2P_BOOTSTRAP_PEERS: long })
  assert.ok(line.startsWith(`P2P_BOOTSTRAP_PEERS=${long.slice(0, SHOWN_VALUE_CHARS - 3)}...: expected `), line)
  assert.equal(showValue('a\nb\u0000c\u00e9'), 'a\\nb\\u0000c\\u00e9')
  const [huge = ''] = problemsOf([], { P2P_DENY_CIDRS: '1.2.3.4,'.repeat(MAX_VALUE_CHARS) })
  assert.match(huge, new RegExp(`; ${8 * MAX_VALUE_CHARS} characters, at most ${MAX_VALUE_CHARS}$`))
})

test('property: any env value or argv yields a config or a ConfigError of single lines, each naming its source', () => {
  const names = SPECS.map(s => s.env)
  const text = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('0', '1', '45s', '4KiB', '/ip4/1.2.3.4/tcp/1', '10.0.0.0/8', 'true', '-', ','))
  // ' \\"' (a blank, a backslash, a quote) once made a quoted subject that did not read back: found by this property
  const awkward = fc.constantFrom(' \\"', '\\', 'a b\\', '"', ' " ')
  fc.assert(fc.property(fc.dictionary(fc.constantFrom(...names), text, { maxKeys: 6 }), fc.array(fc.oneof(text, awkward, fc.constantFrom(...SPECS.map(s => s.flag))), { maxLength: 6 }), (env, argv) => {
    try {
      parseNodeConfig(argv, env)
    } catch (err) {
      assert.ok(err instanceof ConfigError)
      assert.ok(err.problems.length > 0)
      for (const p of err.problems) assert.ok(!/[\n\r]/.test(p) && p.length < 500 && /^("(?:[^"\\]|\\.)*"|\S+?)(=|: )/.test(p), p)
    }
  }), { numRuns: 300 })
})

test('property: CIDRs are accepted exactly when no host bit is set, canonical (WHATWG/RFC 5952 text), and cover what they should', () => {
  const parse = spec('P2P_DENY_CIDRS').parse
  fc.assert(fc.property(fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 128 }), (v4, bytes, p, zeroFrom) => {
    const bits = v4 ? 32 : 128
    const prefix = p % (bits + 1)
    const b = Array.from(bytes.subarray(0, bits / 8))
    if (zeroFrom % 2 === 0) for (let i = 0; i < bits; i++) if (i >= prefix) b[i >> 3] = (b[i >> 3] ?? 0) & ~(0x80 >> (i & 7)) // clear host bits
    const addr = v4 ? b.join('.') : Array.from({ length: 8 }, (_, i) => (((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0)).toString(16).padStart(4, '0')).join(':')
    const hostBits = b.some((x, i) => [...Array(8).keys()].some(k => i * 8 + k >= prefix && (x & (0x80 >> k)) !== 0))
    const verdict = parse(`${addr}/${prefix}`)
    assert.equal(verdict.ok, !hostBits, `${addr}/${prefix}`)
    if (!verdict.ok) return
    const [got] = verdict.value as string[]
    const canonical = v4 ? addr : new URL(`http://[${addr}]/`).hostname.slice(1, -1)
    assert.equal(got, `${canonical}/${prefix}`)
    assert.deepEqual(parse(got ?? ''), verdict, 'canonical form is a fixed point')
    const list = new BlockList()
    list.addSubnet(canonical, prefix, v4 ? 'ipv4' : 'ipv6')
    assert.ok(list.check(addr, v4 ? 'ipv4' : 'ipv6'))
  }), { numRuns: 500 })
  assert.equal(cidrToMultiaddr('10.0.0.0/8'), '/ip4/10.0.0.0/ipcidr/8')
  assert.equal(cidrToMultiaddr('2001:db8::/32'), '/ip6/2001:db8::/ipcidr/32')
})

test('--help text lists every flag with its env name and default', () => {
  const help = configHelp()
  for (const s of SPECS) {
    const line = help.split('\n').find(l => l.trimStart().startsWith(`${s.flag}${s.kind === 'boolean' ? '[' : ' '}`))
    assert.ok(line?.endsWith(s.env), `${s.flag} ... ${s.env}`)
    assert.ok(help.includes(`${s.description} (default: ${s.default === '' ? 'none' : s.default})`), s.flag)
  }
})

/** The generated part of CONFIGURATION.md, from CONFIG_VARIABLES. */
function variablesTable (): string {
  // `|` would end the cell, `<peer id>` would be read as an HTML tag.
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const rows = CONFIG_VARIABLES.map(v => {
    const def = v.default === '' ? '*none*' : v.default.includes(' ') ? v.default : `\`${v.default}\``
    return `| \`${v.env}\` | \`${v.flag}\` | ${cell(def)} | ${cell(v.description)} Accepts ${cell(v.expected)}. |`
  })
  return ['| Variable | Flag | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n')
}

test('CONFIGURATION.md documents exactly CONFIG_VARIABLES (regenerate: UPDATE_CONFIG_DOCS=1)', () => {
  const begin = '<!-- BEGIN GENERATED from CONFIG_VARIABLES by packages/node/test/config.test.ts -->'
  const end = '<!-- END GENERATED -->'
  const docs = readFileSync(DOCS, 'utf8')
  const start = docs.indexOf(begin)
  const stop = docs.indexOf(end)
  assert.ok(start >= 0 && stop > start, 'markers present')
  const want = `${docs.slice(0, start + begin.length)}\n${variablesTable()}\n${docs.slice(stop)}`
  if (process.env.UPDATE_CONFIG_DOCS === '1' && docs !== want) writeFileSync(DOCS, want)
  else   assert.equal(docs, want, 'CONFIGURATION.md is out of date: run with UPDATE_CONFIG_DOCS=1')
})

