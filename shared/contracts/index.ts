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
import {
  LotReceived,
  PartRegistered,
  PartsReserved,
  PartsUnavailable,
  ReceiveLotBody,
  RegisterPartBody,
  ReservationCommitted,
  ReservationReleased,
} from './parts.ts'
import {
  ApprovalExpired,
  CustomerApprovalRequested,
  ExtraWorkProposed,
  ProposalFailed,
  ProposeExtraWorkBody,
  ApproveRepairBody,
  RejectRepairBody,
  RepairApproved,
  RepairCompleted,
  RepairRejected,
  RepairStarted,
  StartRepairBody,
} from './repairs.ts'
import { NotificationRead, NotificationSent } from './notifications.ts'
import { SupportMessageWritten, WriteMessageBody } from './support.ts'

export * from './envelope.ts'
export * from './timestamp.ts'
export * from './customers.ts'
export * from './vehicles.ts'
export * from './workshop.ts'
export * from './clock.ts'
export * from './auth.ts'
export * from './money.ts'
export * from './parts.ts'
export * from './repairs.ts'
export * from './notifications.ts'
export * from './support.ts'

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
  RepairStarted,
  ExtraWorkProposed,
  CustomerApprovalRequested,
  ProposalFailed,
  RepairApproved,
  RepairRejected,
  ApprovalExpired,
  RepairCompleted,
  PartRegistered,
  LotReceived,
  PartsReserved,
  PartsUnavailable,
  ReservationCommitted,
  ReservationReleased,
  NotificationSent,
  NotificationRead,
  SupportMessageWritten,
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
  StartRepairBody,
  ProposeExtraWorkBody,
  ApproveRepairBody,
  RejectRepairBody,
  RegisterPartBody,
  ReceiveLotBody,
  WriteMessageBody,
}

/** Any event this system publishes, checked against its own contract. */
export const AnyEvent = v.variant('type', Object.values(events))
export type AnyEvent = v.InferOutput<typeof AnyEvent>
