/**
 * What one stream holds reserved in its {@link StreamBudget}: the bytes of the
 * frame it is receiving plus those of a chunked message it is assembling
 * (SPEC.md 14.2, "unfinished frames are bounded per connection and per peer").
 *
 * @module
 */
import type { BufferBudgetError } from '../errors.js'
import type { BudgetScope, StreamBudget } from './stream-budget.js'

/** A stream's reservation in a shared budget (none when the stream has no connection). */
export class StreamReservation {
  private readonly budget: StreamBudget
  private readonly scope: BudgetScope | undefined
  /** Bytes reserved now. */
  private reserved = 0

  constructor (init: { budget: StreamBudget, scope: BudgetScope | undefined }) {
    this.budget = init.budget
    this.scope = init.scope
  }

  /** Brings the reservation to `want` bytes; on refusal nothing changes and the error names the scope over budget. */
  hold (want: number): BufferBudgetError | undefined {
    const scope = this.scope
    if (scope === undefined) return undefined
    const delta = want - this.reserved
    if (delta === 0) return undefined
    if (delta < 0) {
      this.budget.release(scope, -delta)
      this.reserved = want
      return undefined
    }
    const refused = this.budget.reserve(scope, delta)
    if (refused === undefined) this.reserved = want
    return refused
  }

  /** Releases everything reserved. */
  release (): void {
    if (this.scope !== undefined && this.reserved > 0) this.budget.release(this.scope, this.reserved)
    this.reserved = 0
  }
}
