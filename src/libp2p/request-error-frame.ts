/**
 * The error frame of a request/response exchange (SPEC.md 14.4): a responder
 * that cannot answer a request writes `00 || code || detail` as its one frame
 * instead of a response envelope. An envelope always starts with `0a` (its
 * field 1, SPEC.md 5.1), so the first byte tells the two apart.
 *
 * @module
 */
import { MalformedInputError, RequestFailedError, type RequestFailure } from '../errors.js'

/** First byte of an error frame (never the first byte of an envelope). */
export const REQUEST_ERROR_MARKER = 0x00

/** Longest detail text, in UTF-8 bytes. */
export const REQUEST_ERROR_MAX_DETAIL_BYTES = 256

/** Wire codes of the failures (SPEC.md 14.4); 0 is invalid, others are reported as `unknown`. */
export const REQUEST_ERROR_CODES: Readonly<Record<Exclude<RequestFailure, 'unknown'>, number>> = Object.freeze({
  'bad-request': 1,
  'handler-failed': 2,
  'bad-response': 3,
  timeout: 4
})

const FAILURES = new Map<number, RequestFailure>(Object.entries(REQUEST_ERROR_CODES).map(([failure, code]) => [code, failure as RequestFailure]))

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: false })

/** True when a frame body is an error frame rather than an envelope. */
export function isRequestErrorFrame (frame: Uint8Array): boolean {
  return frame.length > 0 && frame[0] === REQUEST_ERROR_MARKER
}

/** The error frame body for `failure`, its detail cut to whole characters within the limit. */
export function encodeRequestErrorFrame (failure: Exclude<RequestFailure, 'unknown'>, detail: string): Uint8Array {
  let text = encoder.encode(detail)
  if (text.length > REQUEST_ERROR_MAX_DETAIL_BYTES) {
    let end = REQUEST_ERROR_MAX_DETAIL_BYTES
    // Back off continuation bytes (10xxxxxx) so the cut falls between characters.
    while (end > 0 && ((text[end] as number) & 0xc0) === 0x80) end--
    text = text.subarray(0, end)
  }
  const out = new Uint8Array(2 + text.length)
  out[0] = REQUEST_ERROR_MARKER
  out[1] = REQUEST_ERROR_CODES[failure]
  out.set(text, 2)
  return out
}

/** The option of the responder (or of the request) that addresses a failure, when one does. */
function optionFor (failure: RequestFailure, detail: string): string | undefined {
  switch (failure) {
    case 'bad-request':
      if (detail === 'wrong-type') return 'requestHandler types / requestType'
      if (detail === 'wrong-channel') return 'requestHandler channel'
      if (detail === 'unknown-codec') return 'the request\'s serializer / compression'
      if (detail === 'too-large') return 'requestHandler maxPayloadBytes'
      return undefined
    case 'handler-failed':
    case 'bad-response':
      // The responder's own error goes to its onError; the requester only learns its name.
      return 'requestHandler onError'
    case 'timeout':
      return 'requestHandler timeoutMs'
    default:
      return undefined
  }
}

/**
 * Reads an error frame: the {@link RequestFailedError} it reports, or a
 * {@link MalformedInputError} for a frame that breaks SPEC.md 14.4 (no code,
 * code 0, over 258 bytes).
 */
export function decodeRequestErrorFrame (frame: Uint8Array, protocol: string): RequestFailedError | MalformedInputError {
  if (frame.length < 2) return new MalformedInputError('request-error-frame', 'an error frame without a code')
  if (frame.length > 2 + REQUEST_ERROR_MAX_DETAIL_BYTES) return new MalformedInputError('request-error-frame', `an error frame of ${frame.length} bytes, over ${2 + REQUEST_ERROR_MAX_DETAIL_BYTES}`)
  const code = frame[1] as number
  if (code === 0) return new MalformedInputError('request-error-frame', 'error code 0')
  const failure = FAILURES.get(code) ?? 'unknown'
  const detail = decoder.decode(frame.subarray(2))
  return new RequestFailedError({ protocol, failure, code, detail, option: optionFor(failure, detail) })
}
