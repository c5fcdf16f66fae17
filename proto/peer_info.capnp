# Cap'n Proto schema of PeerInfo, mirroring proto/peer_info.proto (message type id 2).
# Cap'n Proto has no map type: metadata is a list of key/value structs in
# insertion order (as in proto/peer_info.fbs).
# Layout: PeerInfo has no data section and 3 pointers (peerId, multiaddrs,
# metadata); MetadataEntry has no data section and 2 pointers (key, value).
@0xa97f328e64cbd817;

struct PeerInfo {
  peerId @0 :Data;
  # Binary peer id (multihash of the public key).
  multiaddrs @1 :List(Data);
  # Binary multiaddrs the peer listens on.
  metadata @2 :List(MetadataEntry);
  # Free-form string metadata (agent version, roles, ...).
}

struct MetadataEntry {
  key @0 :Text;
  value @1 :Text;
}
