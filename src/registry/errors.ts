/** An error answered by the MLflow server: carries its `error_code`, message and HTTP status. */
export class MlflowApiError extends Error {
  readonly errorCode: string
  readonly httpStatus: number
  readonly endpoint: string

  constructor(options: { errorCode: string; message: string; httpStatus: number; endpoint: string }) {
    super(
      `MLflow ${options.endpoint} failed: ${options.errorCode} (HTTP ${options.httpStatus}): ${options.message}`
    )
    this.name = 'MlflowApiError'
    this.errorCode = options.errorCode
    this.httpStatus = options.httpStatus
    this.endpoint = options.endpoint
  }
}

/** The server could not be reached or did not answer in time, after every retry. */
export class MlflowConnectionError extends Error {
  readonly endpoint: string
  readonly attempts: number

  constructor(options: { endpoint: string; attempts: number; cause: string }) {
    super(
      `MLflow ${options.endpoint} failed after ${options.attempts} attempt(s): ${options.cause}. ` +
        'Check that the tracking URI is right and that the server is up.'
    )
    this.name = 'MlflowConnectionError'
    this.endpoint = options.endpoint
    this.attempts = options.attempts
  }
}

/** The server answered, but not in the shape MLflow's API documents. */
export class MlflowResponseError extends Error {
  constructor(endpoint: string, detail: string) {
    super(`MLflow ${endpoint} returned an unexpected response: ${detail}`)
    this.name = 'MlflowResponseError'
  }
}

/**
 * MLflow said the model, version or run does not exist. A 404 without MLflow's error code is not that: it is a path
 * the server does not serve (a tracking URI with a wrong path, a proxy), and taking it for "no such model" would let
 * a misconfigured audit or evaluate report a clean registry.
 */
export function isNotFound(error: unknown): boolean {
  return (
    error instanceof MlflowApiError &&
    (error.errorCode === 'RESOURCE_DOES_NOT_EXIST' || error.errorCode === 'NOT_FOUND')
  )
}
