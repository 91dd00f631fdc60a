import * as v from 'valibot'
import { eventContract, type DomainEvent } from './envelope.ts'
import { CustomerId } from './customers.ts'
import { requiredText } from './text.ts'

/**
 * `ab-12-cd` is accepted and stored as `AB-12-CD`. Checked before upper-casing, which turns some letters
 * into others (`ß` into `SS`): only the ASCII letters and digits the pattern names get through.
 */
export const LicenseNumber = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^((\d{1,3}|[A-Za-z]{1,3})-){2}(\d{1,3}|[A-Za-z]{1,3})$/, 'must look like AB-12-CD'),
  v.toUpperCase(),
)

export const Vehicle = v.object({
  licenseNumber: LicenseNumber,
  brand: requiredText(50),
  type: requiredText(50),
  ownerId: CustomerId,
})
export type Vehicle = v.InferOutput<typeof Vehicle>

/** Body of `POST /api/vehicles`. */
export const RegisterVehicleBody = Vehicle

export const VehicleRegistered = eventContract('VehicleRegistered', 1, Vehicle)
export type VehicleRegistered = DomainEvent<typeof VehicleRegistered>
