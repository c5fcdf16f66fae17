/**
 * Delivery of accepted gossip messages: the topic validator leaves each
 * accepted envelope here, and gossipsub's `gossipsub:message` event (fired
 * once per message id, after the validator's Accept) hands its values to the
 * topic's handlers, batch items one by one, exactly once.
 *
 * @module
 */
import type { GossipsubMessage, Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { OpenAccepted } from '../codec/index.js'
import { InvalidConfigError } from '../errors.js'
import type { GossipCounters } from './gossip-stats.js'

/** One accepted message, as handed to the application. */
export interface GossipMessage<T = unknown> {
  /** The topic (= the channel the envelope was signed for). */
  readonly topic: string
  /** The decoded value. */
  readonly value: T
  /** Signer id (peer id string of the envelope key), not the peer that relayed it. */
  readonly from: string
  /** Signer peer id (undefined for ECDSA keys). */
  readonly signer: PeerId | undefined
  /** The signer's sequence number of this message. */
  readonly seq: number
  /** Index in its batch (0 for a single message). */
  readonly index: number
  /** Sender clock, ms since the epoch. */
  readonly timestamp: number
  /** Serializer wire id it travelled in. */
  readonly serializer: number
  /** Compression wire id it travelled in. */
  readonly compression: number
  /** The peer that relayed it to us. */
  readonly propagationSource: PeerId
  /** Gossipsub message id string. */
  readonly msgId: string
  /**
   * The signer's envelope of this message, verifiable on its own by any node
   * (the gossip message bytes; for a batch item, the item's envelope with
   * its inclusion proof, built on the first call). For storing and relaying
   * the original signed form, e.g. to serve it later over a sync protocol.
   */
  envelope(): Uint8Array
}

/** Receives accepted messages of one topic. */
export type GossipHandler<T> = (message: GossipMessage<T>) => void | Promise<void>

/** `fn`, called at most once. */
function memo<T> (fn: () => T): () => T {
  let done = false
  let value: T | undefined
  return () => {
    if (!done) {
      value = fn()
      done = true
    }
    return value as T
  }
}

/** Options of a {@link GossipDelivery}. */
export interface GossipDeliveryInit {
  counters: GossipCounters
  /** Called when a handler throws or rejects. */
  onError: ((err: unknown, message: GossipMessage) => void) | undefined
}

/** The handlers of every topic and the accepted envelopes waiting for delivery. */
export class GossipDelivery {
  private readonly handlers = new Map<string, Set<GossipHandler<unknown>>>()
  /** Envelopes accepted by the validator, waiting for gossipsub's `gossipsub:message` event. */
  private readonly pending = new WeakMap<Message, OpenAccepted>()
  private readonly counters: GossipCounters
  private readonly onError: ((err: unknown, message: GossipMessage) => void) | undefined
  /** The `gossipsub:message` listener. */
  readonly listener = (evt: CustomEvent<GossipsubMessage>): void => { this.deliver(evt.detail) }

  constructor (init: GossipDeliveryInit) {
    this.counters = init.counters
    this.onError = init.onError
  }

  /** Keeps what the validator accepted for `msg` until gossipsub delivers it. */
  accepted (msg: Message, opened: OpenAccepted): void {
    this.pending.set(msg, opened)
  }

  /** Registers a handler of `topic`; returns the function that removes it. */
  add (topic: string, handler: GossipHandler<unknown>): () => void {
    if (typeof handler !== 'function') throw new InvalidConfigError('handler', 'a function')
    let set = this.handlers.get(topic)
    if (set === undefined) {
      set = new Set()
      this.handlers.set(topic, set)
    }
    set.add(handler)
    return () => { set.delete(handler) }
  }

  /** Hands the values of one accepted envelope to the handlers, once. */
  private deliver (event: GossipsubMessage): void {
    const opened = this.pending.get(event.msg)
    if (opened === undefined) return
    this.pending.delete(event.msg)
    const handlers = this.handlers.get(opened.channel)
    for (const m of opened.messages) {
      if (handlers === undefined || handlers.size === 0) {
        this.counters.dropped++
        continue
      }
      this.counters.delivered++
      const message: GossipMessage = {
        topic: opened.channel,
        value: m.value,
        from: opened.from,
        signer: opened.peerId,
        seq: m.seq,
        index: m.index,
        timestamp: opened.timestamp,
        serializer: opened.serializer,
        compression: opened.compression,
        propagationSource: event.propagationSource,
        msgId: event.msgId,
        envelope: opened.kind === 'batch' && opened.itemEnvelope !== undefined
          ? memo(opened.itemEnvelope.bind(undefined, m.index))
          : () => event.msg.data
      }
      for (const handler of handlers) {
        try {
          const r = handler(message)
          if (r instanceof Promise) r.catch((err: unknown) => { this.handlerFailed(err, message) })
        } catch (err) {
          this.handlerFailed(err, message)
        }
      }
    }
  }

  private handlerFailed (err: unknown, message: GossipMessage): void {
    this.counters.handlerErrors++
    try {
      this.onError?.(err, message)
    } catch {
      // an error reporter that throws must not break delivery to other handlers
    }
  }
}
