import { createHmac, timingSafeEqual } from 'node:crypto'

// MLflow signs each webhook delivery (mlflow/webhooks/delivery.py, `_generate_hmac_signature`): the header
// `X-MLflow-Signature: v1,<base64 of HMAC-SHA256(secret, "<delivery id>.<timestamp>.<body>")>`, with the delivery
// id and the Unix timestamp in seconds in their own headers. The body is signed as sent, byte for byte.

export const DELIVERY_ID_HEADER = 'x-mlflow-delivery-id'
export const TIMESTAMP_HEADER = 'x-mlflow-timestamp'
export const SIGNATURE_HEADER = 'x-mlflow-signature'

/** How far a delivery's timestamp may be from the relay's clock, either way. */
export const MAX_CLOCK_SKEW_S = 5 * 60

export interface SignedDelivery {
  deliveryId: string
  timestamp: number
}

export type Verification =
  { ok: true; delivery: SignedDelivery } | { ok: false; status: 400 | 401; reason: string }

/** MLflow's delivery ids are UUIDs; anything else never came from MLflow. */
const DELIVERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function signDelivery(secret: string, deliveryId: string, timestamp: string, body: string): string {
  const digest = createHmac('sha256', secret)
    .update(`${deliveryId}.${timestamp}.${body}`, 'utf8')
    .digest('base64')
  return `v1,${digest}`
}

/** Checks the headers and the signature of one delivery; the comparison takes the same time whatever differs. */
export function verifyDelivery(secret: string, headers: Headers, body: string, nowMs: number): Verification {
  const deliveryId = headers.get(DELIVERY_ID_HEADER) ?? ''
  const timestampText = headers.get(TIMESTAMP_HEADER) ?? ''
  const signature = headers.get(SIGNATURE_HEADER)
  if (signature === null) return { ok: false, status: 401, reason: 'the delivery is not signed' }
  if (!DELIVERY_ID.test(deliveryId)) return { ok: false, status: 400, reason: 'no valid delivery id' }
  if (!/^\d{1,12}$/.test(timestampText)) return { ok: false, status: 400, reason: 'no valid timestamp' }
  const expected = Buffer.from(signDelivery(secret, deliveryId, timestampText, body), 'utf8')
  const given = Buffer.from(signature, 'utf8')
  // timingSafeEqual needs equal lengths; a length that differs gives nothing away, every v1 signature has one length.
  const matches = given.length === expected.length && timingSafeEqual(given, expected)
  if (!matches) return { ok: false, status: 401, reason: 'the signature does not match' }
  const timestamp = Number(timestampText)
  if (Math.abs(nowMs / 1000 - timestamp) > MAX_CLOCK_SKEW_S) {
    return {
      ok: false,
      status: 401,
      reason: `the delivery's timestamp is more than ${MAX_CLOCK_SKEW_S / 60} minutes from now`
    }
  }
  return { ok: true, delivery: { deliveryId: deliveryId.toLowerCase(), timestamp } }
}
