/**
 * Where a benchmark ran: figures mean little without the machine, the runtime
 * and the exact library versions next to them.
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import type { BenchSettings } from './harness.js'

/** The project root (this file lives in `bench/`). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Machine, runtime and versions of a run. */
export interface Environment {
  /** ISO 8601 start time. */
  date: string
  mode: BenchSettings['mode']
  settings: BenchSettings
  node: string
  v8: string
  os: string
  arch: string
  cpuModel: string
  /** Logical cores the process may use. */
  cores: number
  totalMemoryGiB: number
  /** 1, 5 and 15-minute load averages when the run started. */
  loadAverageStart: number[]
  /** The same when the run ended (filled in by the runner), or null. */
  loadAverageEnd: number[] | null
  /** Whether `--expose-gc` was given (allocation estimates need it). */
  gcExposed: boolean
  /** `git describe --always --dirty` of the project, or null outside a checkout. */
  commit: string | null
  /** Installed version of each package benchmarked (null when not installed). */
  packages: Record<string, string | null>
}

/** Installed version of an npm package of this project, or null when it is not installed. */
export function packageVersion (name: string): string | null {
  try {
    // Read the file directly: some packages do not export their package.json.
    const json = JSON.parse(readFileSync(`${PROJECT_ROOT}node_modules/${name}/package.json`, 'utf8')) as { version?: unknown }
    return typeof json.version === 'string' ? json.version : null
  } catch {
    return null
  }
}

/** 1, 5 and 15-minute load averages, two decimals (all zero on Windows). */
export function loadAverage (): number[] {
  return os.loadavg().map(x => Math.round(x * 100) / 100)
}

function gitCommit (): string | null {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

/** Describes the current process and machine; `packages` lists the npm packages to report versions of. */
export function captureEnvironment (settings: BenchSettings, packages: Iterable<string>): Environment {
  const cpus = os.cpus()
  const own = JSON.parse(readFileSync(`${PROJECT_ROOT}package.json`, 'utf8')) as { version: string }
  const versions: Record<string, string | null> = { wireseal: own.version }
  for (const name of [...new Set(packages)].sort()) versions[name] = packageVersion(name)
  return {
    date: new Date().toISOString(),
    mode: settings.mode,
    settings,
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    totalMemoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    loadAverageStart: loadAverage(),
    loadAverageEnd: null,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    commit: gitCommit(),
    packages: versions
  }
}
