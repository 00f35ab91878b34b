/**
 * A problem with what the user gave — an input or option, a missing precondition such as a token, the policy file —
 * found before anything was written. The CLI exits 2 for these (1 for a command that ran and failed or refused).
 */
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'InputError'
  }
}
