/**
 * Replay protection: RFC 6479 anti-replay windows, the receiver's
 * {@link ReplayGuard} (precheck before, commit after signature verification,
 * RFC 4303 3.4.3) with crash-safe persistence, the sender's
 * {@link Sequencer}, and the one-writer lock of a state directory
 * ({@link acquireStateLock}).
 *
 * @module
 */
export { ReplayWindow, windowGeometry, windowCheck, windowMark, windowRestore, WINDOW_WORD_BITS, MAX_REPLAY_WINDOW } from './window.js'
export type { WindowVerdict, WindowGeometry, ReplayWindowInit } from './window.js'
export { createReplayGuard } from './guard.js'
export type { ReplayGuard, ReplayGuardInit } from './guard.js'
export { REPLAY_OK } from './rules.js'
export type { ReplayVerdict, ReplayReason } from './rules.js'
export { createSequencer, SEQUENCER_STATE_FORMAT, SEQUENCER_STATE_VERSION, SEQUENCER_TIME_SCALE } from './sequencer.js'
export type { Sequencer, SequencerInit, LeasedSequencer } from './sequencer.js'
export { acquireStateLock, acquireStateLockSync, acquireLockFile, acquireLockFileSync, lockPathFor, readLockHolder, STATE_LOCK_FILE, DEFAULT_LOCK_POLL_MS } from './lock.js'
export type { StateLock, StateLockInit, LockHolder } from './lock.js'
export {
  encodeReplayState,
  decodeReplayState,
  writeFileAtomic,
  writeFileAtomicSync,
  readStateFile,
  cleanStaleTempFiles,
  encodeStateFile,
  decodeStateFile,
  REPLAY_STATE_FORMAT,
  REPLAY_STATE_VERSION,
  PERSISTED_UNSEEN_SPAN,
  MAX_PERSISTED_UNSEEN
} from './store.js'
export type { ReplayState, PersistedWindow } from './store.js'
