/**
 * Built-in format names and their wire ids, one-to-one ({@link SerializerId}
 * is the table): for configs that take either, such as a gossip topic's
 * `serializer` or the CLI's `--serializer`.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'
import { SerializerId, type SerializerChoice, type SerializerName } from './types.js'

const NAMES = Object.keys(SerializerId) as SerializerName[]
const NAME_OF_ID: ReadonlyMap<number, SerializerName> = new Map(NAMES.map((name) => [SerializerId[name], name]))

/** The built-in format names, in wire id order. */
export const SERIALIZER_NAMES: readonly SerializerName[] = Object.freeze([...NAMES].sort((a, b) => SerializerId[a] - SerializerId[b]))

/**
 * The wire id of a serializer choice: a built-in name's id, or the id itself
 * (any integer 1..255, user formats included). Throws
 * {@link InvalidConfigError} naming `option` for anything else.
 */
export function serializerIdOf (choice: SerializerChoice, option = 'serializer'): number {
  if (typeof choice === 'number') {
    if (Number.isInteger(choice) && choice >= 1 && choice <= 255) return choice
    throw new InvalidConfigError(option, `a serializer id in 1..255, got ${String(choice)}`)
  }
  if (typeof choice === 'string' && Object.hasOwn(SerializerId, choice)) return SerializerId[choice]
  throw new InvalidConfigError(option, `a serializer id or one of ${SERIALIZER_NAMES.join(', ')}, got ${typeof choice === 'string' ? JSON.stringify(choice) : typeof choice}`)
}

/** The built-in name of a wire id, or undefined for a user format (128+) or an unassigned id. */
export function serializerNameOf (id: number): SerializerName | undefined {
  return NAME_OF_ID.get(id)
}
