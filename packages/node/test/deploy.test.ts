/**
 * The deployment files (deploy/docker/Dockerfile, the repo's .dockerignore,
 * deploy/compose/docker-compose.yml, deploy/kubernetes/*.yaml) read against
 * the code: every variable they set parses with the node's own parser, ports,
 * health paths, user, grace periods and memory limits agree with the code's
 * defaults, and the HEALTHCHECK, the start scripts and peer-id.mjs are run
 * (against a real HTTP server, or with a stub `node` on PATH).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml, parseAllDocuments } from 'yaml'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CONFIG_VARIABLES, DEFAULT_METRICS_PORT, parseNodeConfig, type NodeConfig } from '../src/config.js'
import { DEFAULT_HTTP_PORT } from '../src/http/server.js'
import { IDENTITY_FILE } from '../src/identity.js'

const PKG = fileURLToPath(new URL('..', import.meta.url))
const ROOT = resolve(PKG, '../..')
const DOCKERFILE = join(PKG, 'deploy/docker/Dockerfile')
const PEER_ID_SCRIPT = join(PKG, 'deploy/docker/peer-id.mjs')
const COMPOSE = join(PKG, 'deploy/compose/docker-compose.yml')
const K8S = join(PKG, 'deploy/kubernetes')
const ALERTS = join(PKG, 'deploy/prometheus/alerts.yml')

/** The node's hard exit comes this long after the shutdown bound (run-node.ts). */
const HARD_EXIT_MARGIN_MS = 2_000
const LIVE = '/health/live'
const READY = '/health/ready'
/** Where the image puts peer-id.mjs (WORKDIR /app + its path in the repo). */
const IMAGE_PEER_ID = `/app/${relative(ROOT, PEER_ID_SCRIPT)}`
const KNOWN_ENV = new Set(CONFIG_VARIABLES.map((v) => v.env))

// --- small readers --------------------------------------------------------------

interface Instruction { readonly op: string, readonly args: string, readonly stage: number }

/** Dockerfile instructions: comments dropped, `\` continuations joined, with the index of their stage. */
function readDockerfile (text: string): Instruction[] {
  const out: Instruction[] = []
  let stage = -1
  let pending = ''
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) && pending === '') continue
    if (/^\s*#/.test(raw)) continue
    const line = raw.replace(/\s+$/, '')
    if (line.endsWith('\\')) { pending += line.slice(0, -1) + ' '; continue }
    const full = (pending + line).trim()
    pending = ''
    if (full === '') continue
    const m = /^([A-Za-z]+)\s+(.*)$/s.exec(full) ?? assert.fail(`unreadable Dockerfile line ${full}`)
    const op = (m[1] as string).toUpperCase()
    if (op === 'FROM') stage++
    out.push({ op, args: (m[2] as string).trim(), stage })
  }
  return out
}

/** `KEY=value KEY2=value2` of ENV (unquoted values, as this Dockerfile writes them). */
function envPairs (args: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const pair of args.split(/\s+/)) {
    const eq = pair.indexOf('=')
    assert.ok(eq > 0, `ENV in KEY=value form: ${pair}`)
    env[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return env
}

/** Compose / Go durations: `20s`, `1m30s`, `500ms`. */
function goDurationMs (text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  let total = 0
  const rest = text.replace(/(\d+)(ms|s|m|h)/g, (_, n: string, u: string) => { total += Number(n) * (units[u] as number); return '' })
  assert.equal(rest, '', `a duration: ${text}`)
  return total
}

/** Docker sizes (`512M`, `1g`: binary) and Kubernetes quantities (`512Mi`, `1Gi`). */
function memoryBytes (text: string): number {
  const m = /^(\d+)(k|m|g|Ki|Mi|Gi)?$/i.exec(text) ?? assert.fail(`a memory size: ${text}`)
  const exp = { k: 1, m: 2, g: 3 }[(m[2] ?? '').charAt(0).toLowerCase() as 'k' | 'm' | 'g'] ?? 0
  return Number(m[1]) * 1024 ** exp
}

/** Kubernetes `$(VAR)` expansion of env values and commands (`$$` is a literal `$`; unknown names stay). */
function k8sExpand (text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string | undefined) => name === undefined ? '$' : vars[name] ?? all)
}

/** The TCP port of a parsed config's first listen address. */
const listenPort = (c: NodeConfig): number => Number(/\/tcp\/(\d+)$/.exec(c.listenAddrs[0] ?? '')?.[1])

/** Runs `argv` (argv[0] `node` means this Node) and resolves to its exit code and output. */
function run (argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const [cmd = '', ...args] = argv
  return new Promise((resolve) => {
    execFile(cmd === 'node' ? process.execPath : cmd, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null
      resolve({ code, stdout, stderr })
    })
  })
}

async function serve (handler: RequestListener): Promise<{ server: Server, port: number, url: string }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return { server, port, url: `http://127.0.0.1:${port}` }
}

const close = (s: Server): Promise<void> => new Promise((resolve) => { s.closeAllConnections(); s.close(() => { resolve() }) })

async function realPeerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

/**
 * Runs a start script (`sh -c <script>`) with a stub `node` first on PATH:
 * `node .../peer-id.mjs URL WAIT` prints `peerId` and records its arguments,
 * any other `node ...` (the final exec) prints its arguments and the
 * P2P_* / LOG_LEVEL environment it was given.
 */
async function runStartScript (script: string, env: Record<string, string>, peerId: string): Promise<{ lookups: string[], execArgs: string, env: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wireseal-deploy-'))
  try {
    const stub = join(dir, 'node')
    writeFileSync(stub, [
      '#!/bin/sh',
      'case "$1" in',
      `  */peer-id.mjs) echo "$*" >> "${dir}/lookups"; echo ${peerId}; exit 0 ;;`,
      'esac',
      'echo "ARGS $*"',
      'env | grep -E "^(P2P_|LOG_LEVEL=)" | sed "s/^/ENV /"',
      ''
    ].join('\n'))
    chmodSync(stub, 0o755)
    const res = await run(['/bin/sh', '-c', script], { PATH: `${dir}:/usr/bin:/bin`, ...env })
    assert.equal(res.code, 0, `the start script exits 0 (stderr: ${res.stderr})`)
    const lines = res.stdout.split('\n')
    const out: Record<string, string> = {}
    for (const l of lines) if (l.startsWith('ENV ')) { const kv = l.slice(4); out[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1) }
    const lookups = existsSync(join(dir, 'lookups')) ? readFileSync(join(dir, 'lookups'), 'utf8').trim().split('\n') : []
    return { lookups, execArgs: lines.find((l) => l.startsWith('ARGS '))?.slice(5) ?? '', env: out }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function assertKnownVariables (env: Readonly<Record<string, unknown>>, where: string, extra: readonly string[] = []): void {
  for (const name of Object.keys(env)) {
    assert.ok(KNOWN_ENV.has(name) || extra.includes(name), `${where}: ${name} is not in CONFIG_VARIABLES`)
  }
}

/** parseNodeConfig, failing with its problem lines. */
function parseConfig (env: Record<string, string>, where: string): NodeConfig {
  try {
    return parseNodeConfig([], env)
  } catch (err) {
    return assert.fail(`${where}: the node refuses this configuration:\n${(err as Error).message}`)
  }
}

/** The HEALTHCHECK-style probe argv in a compose/Dockerfile test: `node -e <script>` without curl/wget. */
function assertProbeArgv (argv: readonly string[], path: string, where: string): void {
  assert.equal(argv[0], 'node', `${where}: the probe runs node`)
  assert.equal(argv[1], '-e')
  assert.ok(!/\b(curl|wget)\b/.test(argv.join(' ')), `${where}: no curl or wget`)
  assert.ok(argv[2]?.includes(`'${path}'`), `${where}: probes ${path}`)
}

// --- the files ----------------------------------------------------------------

const dockerText = readFileSync(DOCKERFILE, 'utf8')
const docker = readDockerfile(dockerText)
const stages = docker.filter((i) => i.op === 'FROM')
const runtime = docker.filter((i) => i.stage === stages.length - 1)
const one = (op: string): Instruction => {
  const all = runtime.filter((i) => i.op === op)
  assert.equal(all.length, 1, `exactly one ${op} in the runtime stage`)
  return all[0] as Instruction
}
const imageEnv = Object.assign({}, ...runtime.filter((i) => i.op === 'ENV').map((i) => envPairs(i.args))) as Record<string, string>
const imageConfig = parseConfig(imageEnv, 'Dockerfile ENV')
const composeText = readFileSync(COMPOSE, 'utf8')
// compose interpolates `$`; the file only uses `$$` (a literal `$`)
const compose = parseYaml(composeText.replace(/\$\$/g, '$'), { merge: true }) as {
  services: Record<string, Record<string, unknown> & { environment?: Record<string, string> }>
  volumes: Record<string, unknown>
  configs: Record<string, { content: string }>
}
const nodeServices = Object.entries(compose.services).filter(([, s]) => s.image === 'wireseal-node:local')
const k8sDocs = readdirSync(K8S).filter((f) => f.endsWith('.yaml')).flatMap((f) =>
  parseAllDocuments(readFileSync(join(K8S, f), 'utf8')).map((d) => {
    assert.equal(d.errors.length, 0, `${f}: ${d.errors.map((e) => e.message).join('; ')}`)
    // untyped YAML: each field read below is checked by an assertion
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return d.toJS() as { kind: string, metadata: { name: string, labels?: Record<string, string> }, spec: Record<string, any> }
  }))
const kind = (k: string): Array<typeof k8sDocs[number]> => k8sDocs.filter((d) => d.kind === k)

// --- Dockerfile ---------------------------------------------------------------

test('Dockerfile: a build stage that runs npm ci and the root build, a Node 22 slim runtime stage', () => {
  assert.ok(stages.length >= 2, 'multi-stage')
  const args = Object.fromEntries(docker.filter((i) => i.op === 'ARG').map((i) => i.args.split('=')))
  const image = (from: string): string => from.split(/\s+/)[0]!.replace(/^\$\{(\w+)\}$/, (_, n: string) => args[n] ?? n)
  assert.match(stages[0]!.args, /\sAS\s+build$/i)
  assert.match(image(stages[0]!.args), /^node:22(-|$)/)
  assert.match(image(stages.at(-1)!.args), /^node:22-(bookworm-slim|slim|alpine)/)
  const buildRuns = docker.filter((i) => i.stage === 0 && i.op === 'RUN').map((i) => i.args).join('\n')
  assert.match(buildRuns, /npm ci\b/)
  assert.match(buildRuns, /npm run build\b/)
  assert.match(buildRuns, /npm prune --omit=dev\b/)
  // the root package's build is the one that builds both packages
  const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  assert.match(rootPkg.scripts.build ?? '', /packages\/node\/tsconfig\.build\.json/)
  assert.ok(!runtime.some((i) => i.op === 'RUN' && /npm (ci|install)\b/.test(i.args) && !/--omit=dev/.test(i.args)), 'no dev install in the runtime stage')
})

test('Dockerfile: every package with an install script that production needs is rebuilt by name', () => {
  // npm ci runs with --ignore-scripts (no install script may run before the sources are copied), so a new native dependency must be listed
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean, dev?: boolean }> }
  const needed = Object.entries(lock.packages).filter(([k, v]) => v.hasInstallScript === true && v.dev !== true && k.startsWith('node_modules/'))
    .map(([k]) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length)).sort()
  const runs = docker.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n')
  const rebuilt = [...runs.matchAll(/npm rebuild ([^&|;}\\\n]+)/g)].flatMap((m) => (m[1] as string).trim().split(/\s+/)).sort()
  assert.deepEqual(rebuilt, needed)
})

test('Dockerfile: the runtime ENV is a valid node configuration with /data and the metrics endpoint on 0.0.0.0', () => {
  assertKnownVariables(imageEnv, 'Dockerfile ENV')
  assert.equal(imageConfig.dataDir, '/data')
  assert.equal(imageConfig.metricsHost, '0.0.0.0')
  assert.equal(imageConfig.metricsPort, DEFAULT_METRICS_PORT)
  assert.equal(DEFAULT_METRICS_PORT, DEFAULT_HTTP_PORT)
  assert.deepEqual(one('VOLUME').args, JSON.stringify([imageConfig.dataDir]))
})

test('Dockerfile: non-root uid 1000 owning the data volume; EXPOSE the p2p and metrics ports; STOPSIGNAL SIGTERM', () => {
  const user = one('USER').args
  assert.match(user, /^1000(:1000)?$/, 'numeric uid 1000, so runAsNonRoot can check it')
  const userAt = runtime.indexOf(one('USER'))
  const chown = runtime.findIndex((i) => i.op === 'RUN' && new RegExp(`chown 1000(:1000)? ${imageConfig.dataDir}\\b`).test(i.args))
  assert.ok(chown >= 0 && chown < userAt, 'the data dir is chowned to 1000 (as root, before USER)')
  const exposed = one('EXPOSE').args.split(/\s+/)
  assert.ok(exposed.includes(`${listenPort(imageConfig)}/tcp`), `EXPOSE the p2p port ${listenPort(imageConfig)}`)
  assert.ok(exposed.includes(`${imageConfig.metricsPort}/tcp`), 'EXPOSE the metrics port')
  assert.equal(one('STOPSIGNAL').args, 'SIGTERM')
})

test('Dockerfile: exec-form ENTRYPOINT runs node on the package bin; CMD is a bin command', () => {
  const entry = JSON.parse(one('ENTRYPOINT').args) as string[]
  const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  assert.deepEqual(entry, ['node', `/app/packages/node/${pkg.bin['wireseal-node'] ?? ''}`])
  const cmd = JSON.parse(one('CMD').args) as string[]
  assert.deepEqual(cmd, ['node'])
  assert.match(readFileSync(join(PKG, 'src/bin.ts'), 'utf8'), /case 'node':/)
})

test('Dockerfile: the image holds peer-id.mjs where the start scripts run it', () => {
  assert.equal(one('WORKDIR').args, '/app')
  const rel = relative(ROOT, PEER_ID_SCRIPT)
  assert.ok(runtime.some((i) => i.op === 'COPY' && i.args === `${rel} ${dirname(rel)}/`), `COPY ${rel}`)
})

test('Dockerfile: every COPY from the context exists and is not excluded by .dockerignore', () => {
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  assert.ok(!ignore.some((l) => l.startsWith('!')), 'no exceptions (this reader does not handle them)')
  const toRegex = (p: string): RegExp => new RegExp('^' + p.split('/').map((seg) => seg === '**' ? '(?:[^/]+/)*' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '/').join('').replace(/\/$/, '') + '(?:/.*)?$')
  const patterns = ignore.map((p) => toRegex(p.replace(/^\/+/, '')))
  for (const i of docker.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
    const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'))
    for (const src of parts.slice(0, -1)) {
      assert.ok(existsSync(join(ROOT, src)), `COPY ${src}: exists`)
      assert.ok(!patterns.some((re) => re.test(src)), `COPY ${src}: not excluded by .dockerignore`)
    }
  }
  // and what must stay out of the context does
  for (const p of ['node_modules', 'packages/node/node_modules', 'dist', 'packages/node/dist', '.git', '.devnet']) {
    assert.ok(patterns.some((re) => re.test(p)), `.dockerignore excludes ${p}`)
  }
})

test('Dockerfile: HEALTHCHECK probes /health/live with node (no curl/wget) and follows P2P_METRICS_PORT', async () => {
  const hc = one('HEALTHCHECK').args
  const m = /^(.*?)\bCMD\s+(\[.*\])$/.exec(hc) ?? assert.fail('HEALTHCHECK ... CMD [exec form]')
  const argv = JSON.parse(m[2] as string) as string[]
  assertProbeArgv(argv, LIVE, 'HEALTHCHECK')
  const timeoutS = Number(/--timeout=(\d+)s/.exec(m[1] as string)?.[1])
  const inner = Number(/AbortSignal\.timeout\((\d+)\)/.exec(argv[2] ?? '')?.[1])
  assert.ok(inner > 0 && inner < timeoutS * 1000, 'the fetch gives up before Docker kills the probe')

  let status = 200
  const paths: string[] = []
  const { server, port } = await serve((req, res) => { paths.push(req.url ?? ''); res.writeHead(status).end('{}') })
  try {
    const env = { ...process.env, P2P_METRICS_PORT: String(port) }
    assert.equal((await run(argv, env)).code, 0, 'healthy on 200')
    status = 503
    assert.equal((await run(argv, env)).code, 1, 'unhealthy on 503')
    assert.deepEqual(paths, [LIVE, LIVE])
  } finally {
    await close(server)
  }
  const { server: gone, port: freePort } = await serve(() => {})
  await close(gone)
  assert.equal((await run(argv, { ...process.env, P2P_METRICS_PORT: String(freePort) })).code, 1, 'unhealthy when nothing listens')
})

// --- Compose ------------------------------------------------------------------

test('compose: three nodes; node0 bootstraps, node1 and node2 join node0 by the peer id from its /status', async () => {
  assert.deepEqual(nodeServices.map(([n]) => n), ['node0', 'node1', 'node2'])
  const peerId = await realPeerId()
  for (const [name, s] of nodeServices) {
    const env = s.environment ?? {}
    assertKnownVariables(env, `compose ${name}`)
    assert.equal(s.hostname, name, `${name}: fixed hostname (the data-dir lock records it)`)
    if (name === 'node0') {
      assert.equal(s.entrypoint, undefined, 'node0 runs the image entrypoint')
      assert.equal(parseConfig({ ...imageEnv, ...env }, name).bootstrap, true)
      continue
    }
    assert.deepEqual(s.depends_on, { node0: { condition: 'service_healthy' } })
    const entry = s.entrypoint as string[]
    assert.deepEqual(entry.slice(0, 2), ['/bin/sh', '-c'])
    const script = entry[2] as string
    assert.ok(!/\bP2P_BOOTSTRAP=true/.test(script))
    const started = await runStartScript(script, { ...imageEnv, ...env }, peerId)
    assert.deepEqual(started.lookups, [`${IMAGE_PEER_ID} http://node0:${imageConfig.metricsPort} 120`])
    assert.equal(started.execArgs, '/app/packages/node/dist/bin.js node', 'ends in exec node <bin> node')
    const config = parseConfig(started.env, name)
    assert.deepEqual(config.bootstrapPeers, [`/dns4/node0/tcp/${listenPort(imageConfig)}/p2p/${peerId}`])
    assert.equal(config.bootstrap, false)
  }
})

test('compose: announce addresses, volumes, healthchecks, grace and memory agree with the code', () => {
  const mounted = new Set<string>()
  for (const [name, s] of nodeServices) {
    const config = parseConfig({ ...imageEnv, ...s.environment }, name)
    assert.deepEqual(config.externalAddrs, [`/dns4/${name}/tcp/${listenPort(config)}`], `${name} announces its service name`)
    const volumes = s.volumes as string[]
    const data = volumes.find((v) => v.endsWith(`:${config.dataDir}`)) ?? assert.fail(`${name}: a volume at ${config.dataDir}`)
    const vol = data.slice(0, data.indexOf(':'))
    assert.ok(vol in compose.volumes, `${name}: ${vol} is a named volume`)
    assert.ok(!mounted.has(vol), `${name}: its own volume`)
    mounted.add(vol)
    const hc = s.healthcheck as { test: string[] }
    assert.equal(hc.test[0], 'CMD')
    assertProbeArgv(hc.test.slice(1), READY, `${name} healthcheck`)
    const grace = goDurationMs(s.stop_grace_period as string)
    assert.ok(grace > config.shutdownTimeoutMs + HARD_EXIT_MARGIN_MS, `${name}: stop_grace_period ${grace} ms > shutdown bound + ${HARD_EXIT_MARGIN_MS} ms`)
    const limit = (s.deploy as { resources: { limits: { memory: string } } }).resources.limits.memory
    assert.equal(memoryBytes(limit), config.memoryLimitBytes, `${name}: memory limit = P2P_MEMORY_LIMIT`)
    const port = (s.ports as string[]).map((p) => p.split(':').at(-1))
    assert.deepEqual(port, [String(config.metricsPort)])
  }
  // the image these services run is the one node0 builds from this Dockerfile
  const build = compose.services.node0?.build as { context: string, dockerfile: string }
  assert.equal(resolve(dirname(COMPOSE), build.context), ROOT)
  assert.equal(resolve(ROOT, build.dockerfile), DOCKERFILE)
  const yamlLines = composeText.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n')
  assert.ok(!/\$/.test(yamlLines.replace(/\$\$/g, '')), 'no compose interpolation: every $ is $$')
})

test('compose: Prometheus scrapes the three nodes as job wireseal-node with the shipped alert rules', () => {
  const prom = compose.services.prometheus ?? assert.fail('a prometheus service')
  const cfg = parseYaml(compose.configs['prometheus-config']?.content ?? '') as {
    rule_files: string[]
    scrape_configs: Array<{ job_name: string, metrics_path: string, static_configs: Array<{ targets: string[] }> }>
  }
  const job = cfg.scrape_configs.find((j) => j.job_name === 'wireseal-node') ?? assert.fail('job wireseal-node')
  assert.match(readFileSync(ALERTS, 'utf8'), /up\{job="wireseal-node"\}/, 'the job name the rules select')
  assert.equal(job.metrics_path, '/metrics')
  assert.deepEqual(job.static_configs.flatMap((c) => c.targets), nodeServices.map(([n]) => `${n}:${imageConfig.metricsPort}`))
  const rules = (prom.volumes as string[]).map((v) => v.split(':')).find(([, target]) => cfg.rule_files.includes(target ?? '')) ?? assert.fail('the rule file is mounted')
  assert.equal(resolve(dirname(COMPOSE), rules[0] as string), ALERTS)
})

// --- Kubernetes -----------------------------------------------------------------

const sts = kind('StatefulSet')[0] ?? assert.fail('a StatefulSet')
const pod = sts.spec.template.spec
const container = pod.containers[0]

test('k8s: the StatefulSet, its headless service and the metrics service select the same pods', () => {
  const services = kind('Service')
  const headless = services.find((s) => s.metadata.name === sts.spec.serviceName) ?? assert.fail('the governing service')
  assert.equal(headless.spec.clusterIP, 'None')
  assert.equal(headless.spec.publishNotReadyAddresses, true, 'peers reach a node before it is ready')
  const labels = sts.spec.template.metadata.labels as Record<string, string>
  assert.deepEqual(sts.spec.selector.matchLabels, labels)
  for (const s of services) {
    for (const [k, v] of Object.entries(s.spec.selector as Record<string, string>)) assert.equal(labels[k], v, `${s.metadata.name} selects the pods`)
    for (const p of s.spec.ports as Array<{ targetPort: string, port: number }>) {
      const cp = (container.ports as Array<{ name: string, containerPort: number }>).find((c) => c.name === p.targetPort) ?? assert.fail(`port ${p.targetPort}`)
      assert.equal(cp.containerPort, p.port)
    }
  }
  assert.ok(services.some((s) => s.metadata.name !== headless.metadata.name && (s.spec.ports as Array<{ port: number }>).some((p) => p.port === imageConfig.metricsPort)), 'a metrics service')
  const ann = sts.spec.template.metadata.annotations as Record<string, string>
  assert.equal(ann['prometheus.io/scrape'], 'true')
  assert.equal(ann['prometheus.io/port'], String(imageConfig.metricsPort))
  assert.equal(ann['prometheus.io/path'], '/metrics')
  const pdb = kind('PodDisruptionBudget')[0]
  if (pdb !== undefined) assert.deepEqual(pdb.spec.selector.matchLabels, labels)
})

/** The container's env as the kubelet resolves it for pod `podName`. */
function podEnv (podName: string, namespace: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const e of container.env as Array<{ name: string, value?: string, valueFrom?: { fieldRef?: { fieldPath: string } } }>) {
    if (e.valueFrom !== undefined) {
      const path = e.valueFrom.fieldRef?.fieldPath
      assert.ok(path === 'metadata.name' || path === 'metadata.namespace', `${e.name}: downward API name or namespace`)
      vars[e.name] = path === 'metadata.name' ? podName : namespace
    } else {
      vars[e.name] = k8sExpand(e.value ?? '', vars)
    }
  }
  return vars
}

test('k8s: env parses as a node configuration; the announce address is the pod DNS name under the headless service', () => {
  const env = podEnv('node-1', 'ns1')
  const { POD_NAME: _n, POD_NAMESPACE: _ns, ...p2p } = env
  assertKnownVariables(p2p, 'StatefulSet env')
  const config = parseConfig({ ...imageEnv, ...p2p }, 'StatefulSet env')
  assert.equal(config.dataDir, imageConfig.dataDir)
  assert.equal(config.metricsHost, '0.0.0.0')
  assert.deepEqual(config.externalAddrs, [`/dns4/node-1.${sts.spec.serviceName as string}.ns1.svc.cluster.local/tcp/${listenPort(config)}`])
  assert.equal(pod.enableServiceLinks, false, 'no injected <SERVICE>_* variables (a p2p-* service would inject unknown P2P_* ones)')
})

test('k8s: the start script makes node-0 the bootstrap node and has the others join node-0 by its peer id', async () => {
  assert.deepEqual(container.command.slice(0, 2), ['/bin/sh', '-c'])
  const peerId = await realPeerId()
  for (const podName of ['node-0', 'node-2']) {
    const env = podEnv(podName, 'ns1')
    const script = k8sExpand(container.command[2] as string, env)
    const started = await runStartScript(script, { ...imageEnv, ...env }, peerId)
    assert.equal(started.execArgs, '/app/packages/node/dist/bin.js node')
    const { POD_NAME: _n, POD_NAMESPACE: _ns, ...p2p } = started.env
    const config = parseConfig(p2p, podName)
    const boot = `node-0.${sts.spec.serviceName as string}.ns1.svc.cluster.local`
    if (podName === 'node-0') {
      assert.equal(config.bootstrap, true)
      assert.deepEqual(started.lookups, [])
    } else {
      assert.equal(config.bootstrap, false)
      assert.deepEqual(started.lookups, [`${IMAGE_PEER_ID} http://${boot}:${config.metricsPort} 120`])
      assert.deepEqual(config.bootstrapPeers, [`/dns4/${boot}/tcp/${listenPort(config)}/p2p/${peerId}`])
    }
  }
  assert.ok((container.command[2] as string).includes(`chmod 600 ${imageConfig.dataDir}/${IDENTITY_FILE}`), 'restores the key mode fsGroup may have widened')
})

test('k8s: probes, grace period, security context, memory limit and the data volume agree with the code', () => {
  const env = podEnv('node-1', 'ns1')
  const config = parseConfig({ ...imageEnv, P2P_SHUTDOWN_TIMEOUT: env.P2P_SHUTDOWN_TIMEOUT ?? '', P2P_MEMORY_LIMIT: env.P2P_MEMORY_LIMIT ?? '' }, 'k8s')
  const metricsPort = (container.ports as Array<{ name: string, containerPort: number }>).find((p) => p.name === 'metrics')?.containerPort
  assert.equal(metricsPort, config.metricsPort)
  const probe = (name: string): { path: string, port: string } => container[name].httpGet
  assert.deepEqual(probe('readinessProbe'), { path: READY, port: 'metrics' })
  assert.deepEqual(probe('livenessProbe'), { path: LIVE, port: 'metrics' })
  if (container.startupProbe !== undefined) assert.deepEqual(probe('startupProbe'), { path: LIVE, port: 'metrics' })
  assert.ok(pod.terminationGracePeriodSeconds * 1000 > config.shutdownTimeoutMs + HARD_EXIT_MARGIN_MS, 'grace > shutdown bound + hard-exit margin')
  assert.equal(pod.securityContext.runAsUser, 1000)
  assert.equal(pod.securityContext.fsGroup, 1000)
  assert.equal(pod.securityContext.runAsNonRoot, true)
  assert.equal(pod.securityContext.fsGroupChangePolicy, 'OnRootMismatch', 'fsGroup must not re-widen the key mode on every start')
  assert.equal(memoryBytes(container.resources.limits.memory as string), config.memoryLimitBytes, 'memory limit = P2P_MEMORY_LIMIT')
  const mount = (container.volumeMounts as Array<{ name: string, mountPath: string }>).find((m) => m.mountPath === config.dataDir) ?? assert.fail('a mount at the data dir')
  assert.ok((sts.spec.volumeClaimTemplates as Array<{ metadata: { name: string } }>).some((t) => t.metadata.name === mount.name), 'the data dir is a volumeClaimTemplate')
})

// --- peer-id.mjs ----------------------------------------------------------------

test('peer-id.mjs: prints the peer id from /status, retrying until it answers', async () => {
  const peerId = await realPeerId()
  let calls = 0
  const { server, url } = await serve((req, res) => {
    calls++
    if (req.url !== '/status' || calls < 3) return void res.writeHead(503).end('{}')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ peerId, ready: true }))
  })
  try {
    const res = await run(['node', PEER_ID_SCRIPT, url, '30'], process.env)
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, `${peerId}\n`)
    assert.equal(calls, 3)
  } finally {
    await close(server)
  }
})

test('peer-id.mjs: refuses an invalid id, a missing one, an oversized body, and bad usage', async () => {
  const bodies = [JSON.stringify({ peerId: 'not-a-peer-id' }), JSON.stringify({ ready: true }), 'not json', JSON.stringify({ peerId: 'x'.repeat(2 * 1024 * 1024) })]
  let body = ''
  const { server, url } = await serve((_req, res) => { res.writeHead(200).end(body) })
  try {
    for (const b of bodies) {
      body = b
      const res = await run(['node', PEER_ID_SCRIPT, url, '0'], process.env)
      assert.equal(res.code, 1, `refused: ${b.slice(0, 40)}`)
      assert.equal(res.stdout, '')
      assert.match(res.stderr, /^peer-id: no peer id from /)
    }
  } finally {
    await close(server)
  }
  for (const argv of [[], ['ftp://x'], ['not a url'], ['http://x', '1.5'], ['http://x', '1', 'extra']]) {
    assert.equal((await run(['node', PEER_ID_SCRIPT, ...argv], process.env)).code, 2, `usage: ${argv.join(' ')}`)
  }
})

// --- documentation ----------------------------------------------------------------

test('README: every relative link of the node page exists; the root README links the node page', () => {
  const readme = readFileSync(join(PKG, 'README.md'), 'utf8')
  for (const m of readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    const target = m[1] as string
    if (/^[a-z]+:/.test(target)) continue
    assert.ok(existsSync(resolve(PKG, target)), `README link ${target} exists`)
  }
  assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').includes(`(${relative(ROOT, join(PKG, 'README.md'))})`))
})
