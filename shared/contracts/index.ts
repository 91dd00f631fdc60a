import * as v from 'valibot'
import { AdvanceClockBody, DayHasPassed } from './clock.ts'
import { CustomerLinkBody, LoginBody, SessionEnded, SessionStarted } from './auth.ts'
import { CustomerRegistered, RegisterCustomerBody } from './customers.ts'
import { RegisterVehicleBody, VehicleRegistered } from './vehicles.ts'
import {
  FinishMaintenanceJobBody,
  MaintenanceJobFinished,
  MaintenanceJobPlanned,
  PlanMaintenanceJobBody,
  WorkshopPlanningCreated,
} from './workshop.ts'

export * from './envelope.ts'
export * from './timestamp.ts'
export * from './customers.ts'
export * from './vehicles.ts'
export * from './workshop.ts'
export * from './clock.ts'
export * from './auth.ts'

/** Every event on the bus, keyed by its `type`. */
export const events = {
  CustomerRegistered,
  VehicleRegistered,
  WorkshopPlanningCreated,
  MaintenanceJobPlanned,
  MaintenanceJobFinished,
  DayHasPassed,
  SessionStarted,
  SessionEnded,
}

/** Every request body a service accepts, keyed by its name. */
export const requestBodies = {
  RegisterCustomerBody,
  RegisterVehicleBody,
  PlanMaintenanceJobBody,
  FinishMaintenanceJobBody,
  AdvanceClockBody,
  LoginBody,
  CustomerLinkBody,
}

/** Any event this system publishes, checked against its own contract. */
export const AnyEvent = v.variant('type', Object.values(events))
export type AnyEvent = v.InferOutput<typeof AnyEvent>
