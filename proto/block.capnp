# Cap'n Proto schema of Block, mirroring proto/block.proto (message type id 1).
# Layout (`capnp compile -ocapnp proto/block.capnp`): data section 2 words
# (timestamp bits 0..64, ttl 64..96, version 96..128), pointer section 3
# (hash, data, signature). src/serialize/capnp.ts (CAPNP_LAYOUT) hard-codes it;
# test/serialize/capnp.test.ts checks it against the generated code.
@0x82d1b8a24dbaf4b8;

struct Block {
  hash @0 :Data;
  # Content hash of `data` (e.g. SHA-256, 32 bytes).
  data @1 :Data;
  # The payload.
  timestamp @2 :UInt64;
  # Creation time, milliseconds since the Unix epoch.
  ttl @3 :UInt32;
  # Time to live, seconds.
  version @4 :UInt32;
  # Application-level format version.
  signature @5 :Data;
  # Signature of the producer over the block (application-defined).
}
