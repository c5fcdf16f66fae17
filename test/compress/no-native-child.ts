/**
 * Child of native.test.ts, run with hide-native.ts preloaded: reports what the
 * compression layer looks like without its optional native packages.
 */
import { defaultCompressors, getCompressor, listBackends } from '../../src/compress/index.js'

const data = new TextEncoder().encode('wireseal '.repeat(500))
const roundTrips = (['snappy', 'gzip', 'zstd'] as const).map((name) => {
  const z = defaultCompressors[name]
  return { name, backend: z.backend, ok: Buffer.from(z.decompress(z.compress(data), data.length)).equals(Buffer.from(data)) }
})
let nativeError = 'none'
try {
  getCompressor('zstd', 'zstd-napi')
} catch (err) {
  nativeError = err instanceof Error ? err.name : String(err)
}
console.log(JSON.stringify({
  backends: listBackends().map((b) => ({ backend: b.backend, loaded: b.compressor !== undefined, unavailable: b.unavailable })),
  roundTrips,
  nativeError
}))
