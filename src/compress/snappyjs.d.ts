// Types of the `snappyjs` package (raw snappy block format), which ships none.
declare module 'snappyjs' {
  /** Compresses `input` into one raw snappy block. */
  export function compress (input: Uint8Array): Uint8Array
  /** Decompresses a raw snappy block; throws when its preamble claims more than `maxLength` bytes. */
  export function uncompress (input: Uint8Array, maxLength?: number): Uint8Array
}
