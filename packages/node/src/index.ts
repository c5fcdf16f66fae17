/**
 * The wireseal reference node: a libp2p node that exchanges signed Blocks and
 * PeerInfos through wireseal's gossip transform and stream codec.
 *
 * @module
 */
export {}
