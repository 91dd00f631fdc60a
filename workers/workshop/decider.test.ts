import { describe, expect, it } from 'vitest'
import * as v from 'valibot'
import {
  Timestamp,
  type JobVehicle,
  type MaintenanceJobPlanned,
  type WorkshopPlanningCreated,
} from '../../shared/contracts/index.ts'
import { NotFound } from '../../shared/errors.ts'
import { deciderSpec } from '../../shared/testing/decider-spec.ts'
import {
  decide,
  type FinishMaintenanceJob,
  type PlanMaintenanceJob,
  type PlanningPolicy,
  type WorkshopCommand,
} from './decider.ts'
import { evolve, initialState, jobsInTimeOrder, type WorkshopEvent } from './events.ts'

const planning = (policy: Partial<PlanningPolicy> = {}) =>
  deciderSpec<WorkshopCommand, WorkshopEvent, ReturnType<typeof initialState>>({
    decide: (command, state) => decide(command, state, { workstations: 3, timeZone: 'UTC', ...policy }),
    evolve,
    initialState,
  })

const date = '2026-11-21'
/** A time on the planning's date, or the given one, in UTC. */
const at = (time: string, day = date) => `${day}T${time}:00.000Z`
const nextMidnight = '2026-11-22T00:00:00.000Z'
/** A time as a client may send it (any offset), as the contract hands it to the decider: canonical UTC. */
const sent = (time: string) => v.parse(Timestamp, time)

const customer = { customerId: 'c-1', name: 'Jan Jansen', telephoneNumber: '+31 6 12345678' }
type Vehicle = v.InferOutput<typeof JobVehicle>
const opel: Vehicle = { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' }
const volvo: Vehicle = { licenseNumber: 'XY-34-ZZ', brand: 'Volvo', type: 'V60' }
const fiat: Vehicle = { licenseNumber: 'FI-56-AT', brand: 'Fiat', type: 'Panda' }
const ford: Vehicle = { licenseNumber: 'FO-78-RD', brand: 'Ford', type: 'Focus' }

const created = (day = date): WorkshopPlanningCreated => ({
  type: 'WorkshopPlanningCreated',
  data: { planningId: day, date: day },
})

function plan(
  jobId: string,
  startTime: string,
  endTime: string,
  vehicle = opel,
  day = date,
): PlanMaintenanceJob {
  const description = `Service ${jobId}`
  return {
    type: 'PlanMaintenanceJob',
    data: { date: day, jobId, startTime, endTime, description, customer, vehicle },
  }
}

function planned(
  jobId: string,
  startTime: string,
  endTime: string,
  vehicle = opel,
  day = date,
): MaintenanceJobPlanned {
  const description = `Service ${jobId}`
  return {
    type: 'MaintenanceJobPlanned',
    data: { planningId: day, jobId, startTime, endTime, description, customer, vehicle },
  }
}

const finish = (
  jobId: string,
  startTime: string,
  endTime: string,
  notes = 'Oil changed',
): FinishMaintenanceJob => ({
  type: 'FinishMaintenanceJob',
  data: { date, jobId, startTime, endTime, notes },
})

describe('an empty planning', () => {
  it('creates the planning, then plans the job with its customer and vehicle', () => {
    planning()
      .given([])
      .when(plan('job-1', at('08:00'), at('10:00')))
      .then([
        { type: 'WorkshopPlanningCreated', data: { planningId: '2026-11-21', date: '2026-11-21' } },
        {
          type: 'MaintenanceJobPlanned',
          data: {
            planningId: '2026-11-21',
            jobId: 'job-1',
            startTime: '2026-11-21T08:00:00.000Z',
            endTime: '2026-11-21T10:00:00.000Z',
            description: 'Service job-1',
            customer: { customerId: 'c-1', name: 'Jan Jansen', telephoneNumber: '+31 6 12345678' },
            vehicle: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' },
          },
        },
      ])
  })

  it('refuses a job that starts when it ends', () => {
    planning()
      .given([])
      .when(plan('job-1', at('10:00'), at('10:00')))
      .thenThrows('start-before-end')
  })

  it('refuses a job that starts after it ends', () => {
    planning()
      .given([])
      .when(plan('job-1', at('10:01'), at('10:00')))
      .thenThrows('start-before-end')
  })

  it('accepts a job that starts one millisecond before it ends', () => {
    const job = plan('job-1', '2026-11-21T09:59:59.999Z', at('10:00'))
    planning()
      .given([])
      .when(job)
      .then([created(), planned('job-1', '2026-11-21T09:59:59.999Z', at('10:00'))])
  })

  it('accepts a job that starts one minute before it ends', () => {
    planning()
      .given([])
      .when(plan('job-1', at('09:59'), at('10:00')))
      .then([created(), planned('job-1', at('09:59'), at('10:00'))])
  })

  it('accepts a job lasting the whole day, from midnight to the next midnight', () => {
    planning()
      .given([])
      .when(plan('job-1', at('00:00'), nextMidnight))
      .then([created(), planned('job-1', at('00:00'), nextMidnight)])
  })

  it('refuses a job starting one minute before the midnight of its date', () => {
    planning()
      .given([])
      .when(plan('job-1', at('23:59', '2026-11-20'), at('08:00')))
      .thenThrows('job-within-planning-day')
  })

  it('refuses a job ending one minute after the next midnight', () => {
    planning()
      .given([])
      .when(plan('job-1', at('22:00'), at('00:01', '2026-11-22')))
      .thenThrows('job-within-planning-day')
  })

  it('refuses a job that lies wholly on another date', () => {
    planning()
      .given([])
      .when(plan('job-1', at('08:00', '2026-11-22'), at('10:00', '2026-11-22')))
      .thenThrows('job-within-planning-day')
  })

  it('accepts a job up to the next midnight on the last day of a month', () => {
    const [start, end] = [at('22:00', '2026-01-31'), at('00:00', '2026-02-01')]
    planning()
      .given([])
      .when(plan('job-1', start, end, opel, '2026-01-31'))
      .then([created('2026-01-31'), planned('job-1', start, end, opel, '2026-01-31')])
  })

  it('accepts a job up to the next midnight on the last day of a year', () => {
    const [start, end] = [at('22:00', '2026-12-31'), at('00:00', '2027-01-01')]
    planning()
      .given([])
      .when(plan('job-1', start, end, opel, '2026-12-31'))
      .then([created('2026-12-31'), planned('job-1', start, end, opel, '2026-12-31')])
  })
})

describe('an empty planning in Europe/Amsterdam', () => {
  const amsterdam = () => planning({ timeZone: 'Europe/Amsterdam' })

  it('accepts a job from the local midnight, which is 23:00 UTC the day before', () => {
    const job = plan('job-1', '2026-11-20T23:00:00.000Z', '2026-11-21T01:00:00.000Z')
    amsterdam()
      .given([])
      .when(job)
      .then([created(), planned('job-1', job.data.startTime, job.data.endTime)])
  })

  it('refuses a job starting one minute before the local midnight', () => {
    const job = plan('job-1', '2026-11-20T22:59:00.000Z', '2026-11-21T01:00:00.000Z')
    amsterdam().given([]).when(job).thenThrows('job-within-planning-day')
  })

  it('accepts a job ending at the next local midnight, 23:00 UTC', () => {
    const job = plan('job-1', '2026-11-21T21:00:00.000Z', '2026-11-21T23:00:00.000Z')
    amsterdam()
      .given([])
      .when(job)
      .then([created(), planned('job-1', job.data.startTime, job.data.endTime)])
  })

  it('refuses a job at 23:30 UTC, which is already the next day there', () => {
    const job = plan('job-1', '2026-11-21T23:30:00.000Z', '2026-11-21T23:45:00.000Z')
    amsterdam().given([]).when(job).thenThrows('job-within-planning-day')
    planning()
      .given([])
      .when(job)
      .then([created(), planned('job-1', job.data.startTime, job.data.endTime)])
  })

  it('accepts a job filling the 23 hours of the day clocks go forward', () => {
    const [start, end] = ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']
    amsterdam()
      .given([])
      .when(plan('job-1', start, end, opel, '2026-03-29'))
      .then([created('2026-03-29'), planned('job-1', start, end, opel, '2026-03-29')])
  })

  it('refuses a job running past the end of the 23-hour day', () => {
    const job = plan('job-1', '2026-03-29T21:00:00.000Z', '2026-03-29T22:01:00.000Z', opel, '2026-03-29')
    amsterdam().given([]).when(job).thenThrows('job-within-planning-day')
  })

  it('accepts a job in the 25th hour of the day clocks go back', () => {
    const [start, end] = ['2026-10-25T22:00:00.000Z', '2026-10-25T23:00:00.000Z']
    amsterdam()
      .given([])
      .when(plan('job-1', start, end, opel, '2026-10-25'))
      .then([created('2026-10-25'), planned('job-1', start, end, opel, '2026-10-25')])
  })

  it('refuses a job after the 25th hour of the day clocks go back', () => {
    const job = plan('job-1', '2026-10-25T23:00:00.000Z', '2026-10-25T23:30:00.000Z', opel, '2026-10-25')
    amsterdam().given([]).when(job).thenThrows('job-within-planning-day')
  })
})

describe('a planning with one job', () => {
  const given = [created(), planned('job-1', at('08:00'), at('10:00'), opel)]

  it('plans a later job without creating the planning again', () => {
    planning()
      .given(given)
      .when(plan('job-2', at('10:00'), at('12:00'), volvo))
      .then([planned('job-2', at('10:00'), at('12:00'), volvo)])
  })

  it('refuses a job with the same id, even at another time for another vehicle', () => {
    planning()
      .given(given)
      .when(plan('job-1', at('13:00'), at('14:00'), volvo))
      .thenThrows('job-id-unique')
  })

  it('refuses an overlapping job for the same vehicle, though workstations are free', () => {
    planning()
      .given(given)
      .when(plan('job-2', at('09:59'), at('11:00'), opel))
      .thenThrows('vehicle-not-double-booked')
  })

  it('refuses a job for the same vehicle that lies inside the booked one', () => {
    planning()
      .given(given)
      .when(plan('job-2', at('08:30'), at('09:00'), opel))
      .thenThrows('vehicle-not-double-booked')
  })

  it('accepts a job for the same vehicle that starts when the booked one ends', () => {
    planning()
      .given(given)
      .when(plan('job-2', at('10:00'), at('11:00'), opel))
      .then([planned('job-2', at('10:00'), at('11:00'), opel)])
  })

  it('accepts a job for the same vehicle that ends when the booked one starts', () => {
    planning()
      .given(given)
      .when(plan('job-2', at('07:00'), at('08:00'), opel))
      .then([planned('job-2', at('07:00'), at('08:00'), opel)])
  })

  it('accepts an overlapping job for another vehicle', () => {
    planning()
      .given(given)
      .when(plan('job-2', at('08:00'), at('10:00'), volvo))
      .then([planned('job-2', at('08:00'), at('10:00'), volvo)])
  })

  it('refuses a second overlapping job when the workshop has one workstation', () => {
    planning({ workstations: 1 })
      .given(given)
      .when(plan('job-2', at('09:59'), at('11:00'), volvo))
      .thenThrows('max-overlapping-jobs')
  })

  it('accepts a job that starts when the other ends when the workshop has one workstation', () => {
    planning({ workstations: 1 })
      .given(given)
      .when(plan('job-2', at('10:00'), at('11:00'), volvo))
      .then([planned('job-2', at('10:00'), at('11:00'), volvo)])
  })
})

describe('a planning with two overlapping jobs', () => {
  const given = [
    created(),
    planned('A', at('08:00'), at('10:00'), opel),
    planned('B', at('09:00'), at('11:00'), volvo),
  ]

  it('accepts a third job overlapping both', () => {
    planning()
      .given(given)
      .when(plan('C', at('09:00'), at('10:00'), fiat))
      .then([planned('C', at('09:00'), at('10:00'), fiat)])
  })
})

describe('a planning with three overlapping jobs', () => {
  const given = [
    created(),
    planned('A', at('08:00'), at('10:00'), opel),
    planned('B', at('08:00'), at('10:00'), volvo),
    planned('C', at('08:00'), at('10:00'), fiat),
  ]

  it('refuses a fourth overlapping job', () => {
    planning()
      .given(given)
      .when(plan('D', at('09:00'), at('11:00'), ford))
      .thenThrows('max-overlapping-jobs')
  })

  it('refuses a fourth job overlapping them by one minute', () => {
    planning()
      .given(given)
      .when(plan('D', at('09:59'), at('11:00'), ford))
      .thenThrows('max-overlapping-jobs')
  })

  it('accepts a fourth job that starts when they end', () => {
    planning()
      .given(given)
      .when(plan('D', at('10:00'), at('11:00'), ford))
      .then([planned('D', at('10:00'), at('11:00'), ford)])
  })

  it('accepts a fourth job that ends when they start', () => {
    planning()
      .given(given)
      .when(plan('D', at('07:00'), at('08:00'), ford))
      .then([planned('D', at('07:00'), at('08:00'), ford)])
  })

  it('accepts a fourth overlapping job when the workshop has four workstations', () => {
    planning({ workstations: 4 })
      .given(given)
      .when(plan('D', at('09:00'), at('11:00'), ford))
      .then([planned('D', at('09:00'), at('11:00'), ford)])
  })

  it('reports the double-booked vehicle rather than the full workshop', () => {
    planning()
      .given(given)
      .when(plan('D', at('09:00'), at('11:00'), opel))
      .thenThrows('vehicle-not-double-booked')
  })
})

describe('a planning with three jobs of which at most two run at once', () => {
  const given = [
    created(),
    planned('A', at('08:00'), at('10:00'), opel),
    planned('B', at('08:00'), at('10:00'), volvo),
    planned('C', at('10:00'), at('12:00'), fiat),
  ]

  it('accepts a job overlapping all three, as only two others run at any moment', () => {
    planning()
      .given(given)
      .when(plan('D', at('09:00'), at('11:00'), ford))
      .then([planned('D', at('09:00'), at('11:00'), ford)])
  })

  it('refuses that job when the workshop has two workstations', () => {
    planning({ workstations: 2 })
      .given(given)
      .when(plan('D', at('09:00'), at('11:00'), ford))
      .thenThrows('max-overlapping-jobs')
  })

  it('accepts that job with two workstations once it starts when A and B end', () => {
    planning({ workstations: 2 })
      .given(given)
      .when(plan('D', at('10:00'), at('11:00'), ford))
      .then([planned('D', at('10:00'), at('11:00'), ford)])
  })
})

// The jobs are counted in the order they were planned: the ending job must free its workstation before
// the starting one takes it whichever of the two was planned first.
describe.each([
  ['the ending job planned first', ['A', 'B', 'C']],
  ['the starting job planned first', ['C', 'B', 'A']],
])('a planning where one job ends as the next one starts, %s', (_, order) => {
  const jobs: Record<string, MaintenanceJobPlanned> = {
    A: planned('A', at('08:00'), at('10:00'), opel),
    B: planned('B', at('09:00'), at('11:00'), volvo),
    C: planned('C', at('10:00'), at('12:00'), fiat),
  }
  const given = [created(), ...order.map((id) => jobs[id]!)]

  it('frees the workstation of the ending job for the starting one', () => {
    planning()
      .given(given)
      .when(plan('D', at('09:30'), at('10:30'), ford))
      .then([planned('D', at('09:30'), at('10:30'), ford)])
  })

  it('refuses a job that needs a third workstation when there are two', () => {
    planning({ workstations: 2 })
      .given(given)
      .when(plan('D', at('09:30'), at('10:30'), ford))
      .thenThrows('max-overlapping-jobs')
  })
})

// Commands reach the decider through the contract, so a time sent with an offset arrives as its instant in
// UTC. Each rule is tried on both sides with times whose text order differs from their time order.
describe('times sent with offsets, an empty planning', () => {
  it('accepts a job whose start reads later than its end but is earlier (+01:00 against Z)', () => {
    const [start, end] = [sent('2026-11-21T10:00:00+01:00'), sent('2026-11-21T09:30:00Z')]
    expect([start, end]).toEqual(['2026-11-21T09:00:00.000Z', '2026-11-21T09:30:00.000Z'])
    planning()
      .given([])
      .when(plan('job-1', start, end))
      .then([created(), planned('job-1', start, end)])
  })

  it('refuses a job whose start reads earlier than its end but is later (Z against +01:00)', () => {
    planning()
      .given([])
      .when(plan('job-1', sent('2026-11-21T09:30:00Z'), sent('2026-11-21T10:00:00+01:00')))
      .thenThrows('start-before-end')
  })

  it('refuses a job that starts when it ends, written in two offsets (-05:30 and Z)', () => {
    planning()
      .given([])
      .when(plan('job-1', sent('2026-11-21T04:00:00-05:30'), sent('2026-11-21T09:30:00Z')))
      .thenThrows('start-before-end')
  })

  it("accepts a job from the planning's midnight written on the day before (-05:00)", () => {
    const [start, end] = [sent('2026-11-20T19:00:00-05:00'), sent('2026-11-21T03:00:00+01:00')]
    planning()
      .given([])
      .when(plan('job-1', start, end))
      .then([created(), planned('job-1', at('00:00'), at('02:00'))])
  })

  it("refuses a job written on the planning's date that starts before its midnight (+01:00)", () => {
    planning()
      .given([])
      .when(plan('job-1', sent('2026-11-21T00:30:00+01:00'), sent('2026-11-21T08:00:00+01:00')))
      .thenThrows('job-within-planning-day')
  })

  it("accepts a job ending at the next midnight written on the planning's date (-05:30)", () => {
    planning()
      .given([])
      .when(plan('job-1', sent('2026-11-21T18:00:00-05:30'), sent('2026-11-21T18:30:00-05:30')))
      .then([created(), planned('job-1', at('23:30'), nextMidnight)])
  })

  it("refuses a job written on the planning's date that ends after the next midnight (-05:30)", () => {
    planning()
      .given([])
      .when(plan('job-1', sent('2026-11-21T18:00:00-05:30'), sent('2026-11-21T18:31:00-05:30')))
      .thenThrows('job-within-planning-day')
  })

  it('accepts a job from the local midnight in Europe/Amsterdam (+01:00), refuses one a minute earlier', () => {
    const amsterdam = () => planning({ timeZone: 'Europe/Amsterdam' })
    const end = sent('2026-11-21T02:00:00+01:00')
    amsterdam()
      .given([])
      .when(plan('job-1', sent('2026-11-21T00:00:00+01:00'), end))
      .then([created(), planned('job-1', '2026-11-20T23:00:00.000Z', '2026-11-21T01:00:00.000Z')])
    amsterdam()
      .given([])
      .when(plan('job-1', sent('2026-11-20T23:59:00+01:00'), end))
      .thenThrows('job-within-planning-day')
  })
})

describe('a time that did not come through the contract', () => {
  it('is refused as a fault rather than compared as no time at all', () => {
    planning()
      .given([])
      .when(plan('job-1', '2026-11-21T10:00:00+01', '2026-11-21T09:00:00+01'))
      .thenThrows(Error)
  })
})

describe('times sent with offsets, a planning with three jobs from 08:00 to 10:00 UTC', () => {
  // Planned with offsets too: the jobs hold their instants in UTC.
  const given = [
    created(),
    planned('A', sent('2026-11-21T09:00:00+01:00'), sent('2026-11-21T11:00:00+01:00'), opel),
    planned('B', sent('2026-11-21T03:00:00-05:00'), sent('2026-11-21T05:00:00-05:00'), volvo),
    planned('C', sent('2026-11-21T08:00:00z'), sent('2026-11-21T10:00:00Z'), fiat),
  ]

  it('refuses a fourth job overlapping them by one minute (+01:00)', () => {
    planning()
      .given(given)
      .when(plan('D', sent('2026-11-21T10:59:00+01:00'), sent('2026-11-21T12:00:00+01:00'), ford))
      .thenThrows('max-overlapping-jobs')
  })

  it('accepts a fourth job that starts when they end (-05:00)', () => {
    planning()
      .given(given)
      .when(plan('D', sent('2026-11-21T05:00:00-05:00'), sent('2026-11-21T06:00:00-05:00'), ford))
      .then([planned('D', at('10:00'), at('11:00'), ford)])
  })

  it('accepts a fourth job that ends when they start (-05:30)', () => {
    planning()
      .given(given)
      .when(plan('D', sent('2026-11-21T01:30:00-05:30'), sent('2026-11-21T02:30:00-05:30'), ford))
      .then([planned('D', at('07:00'), at('08:00'), ford)])
  })

  it('refuses a booked vehicle one minute before its job ends (-05:30), though a workstation is free', () => {
    planning({ workstations: 4 })
      .given(given)
      .when(plan('D', sent('2026-11-21T04:29:00-05:30'), sent('2026-11-21T05:30:00-05:30'), opel))
      .thenThrows('vehicle-not-double-booked')
  })

  it('refuses a booked vehicle one minute after its job starts (+01:00)', () => {
    planning({ workstations: 4 })
      .given(given)
      .when(plan('D', sent('2026-11-21T08:00:00+01:00'), sent('2026-11-21T09:01:00+01:00'), opel))
      .thenThrows('vehicle-not-double-booked')
  })

  it('accepts a booked vehicle from when its job ends (+01:00) and until it starts (-05:00)', () => {
    planning()
      .given(given)
      .when(plan('D', sent('2026-11-21T11:00:00+01:00'), sent('2026-11-21T12:00:00+01:00'), opel))
      .then([planned('D', at('10:00'), at('11:00'), opel)])
    planning()
      .given(given)
      .when(plan('D', sent('2026-11-21T02:00:00-05:00'), sent('2026-11-21T03:00:00-05:00'), opel))
      .then([planned('D', at('07:00'), at('08:00'), opel)])
  })
})

describe('times sent with offsets, a planning with a planned job', () => {
  const given = [created(), planned('job-1', at('08:00'), at('10:00'))]

  it('finishes a job whose start reads later than its end but is earlier (+01:00 against Z)', () => {
    planning()
      .given(given)
      .when(finish('job-1', sent('2026-11-21T10:00:00+01:00'), sent('2026-11-21T09:30:00Z')))
      .then([
        {
          type: 'MaintenanceJobFinished',
          data: {
            planningId: date,
            jobId: 'job-1',
            startTime: at('09:00'),
            endTime: at('09:30'),
            notes: 'Oil changed',
          },
        },
      ])
  })

  it('refuses a finish whose start reads earlier than its end but is later (Z against +01:00)', () => {
    planning()
      .given(given)
      .when(finish('job-1', sent('2026-11-21T09:30:00Z'), sent('2026-11-21T10:00:00+01:00')))
      .thenThrows('start-before-end')
  })

  it('refuses a finish that starts when it ends, written in two offsets (-05:30 and +01:00)', () => {
    planning()
      .given(given)
      .when(finish('job-1', sent('2026-11-21T04:00:00-05:30'), sent('2026-11-21T10:30:00+01:00')))
      .thenThrows('start-before-end')
  })
})

describe('a planning with a planned job', () => {
  const given = [created(), planned('job-1', at('08:00'), at('10:00'))]

  it('finishes the job with its actual times and notes', () => {
    planning()
      .given(given)
      .when(finish('job-1', at('08:15'), at('10:30'), 'Brakes replaced'))
      .then([
        {
          type: 'MaintenanceJobFinished',
          data: {
            planningId: '2026-11-21',
            jobId: 'job-1',
            startTime: '2026-11-21T08:15:00.000Z',
            endTime: '2026-11-21T10:30:00.000Z',
            notes: 'Brakes replaced',
          },
        },
      ])
  })

  it('refuses to finish the job with an actual start equal to its end', () => {
    planning()
      .given(given)
      .when(finish('job-1', at('09:00'), at('09:00')))
      .thenThrows('start-before-end')
  })

  it('refuses to finish the job with an actual start after its end', () => {
    planning()
      .given(given)
      .when(finish('job-1', at('09:01'), at('09:00')))
      .thenThrows('start-before-end')
  })

  it('does not find a job that was never planned', () => {
    planning()
      .given(given)
      .when(finish('job-2', at('08:00'), at('09:00')))
      .thenThrows(NotFound)
  })
})

describe('a planning with a finished job', () => {
  const given = [
    created(),
    planned('job-1', at('08:00'), at('10:00')),
    {
      type: 'MaintenanceJobFinished',
      data: { planningId: date, ...finish('job-1', at('08:00'), at('09:00')).data },
    },
  ] satisfies WorkshopEvent[]

  it('refuses to finish the job again', () => {
    planning()
      .given(given)
      .when(finish('job-1', at('08:00'), at('09:00')))
      .thenThrows('job-already-finished')
  })
})

describe('a planning that does not exist yet', () => {
  it('does not find a job to finish', () => {
    planning()
      .given([])
      .when(finish('job-1', at('08:00'), at('09:00')))
      .thenThrows(NotFound)
  })
})

describe('evolving a planning', () => {
  const replay = (events: WorkshopEvent[]) => events.reduce(evolve, initialState())

  it('starts empty', () => {
    expect(replay([])).toEqual({ status: 'empty' })
  })

  it('opens on its date with no jobs when created', () => {
    expect(replay([created()])).toEqual({ status: 'open', date, jobs: [] })
  })

  it('lists the planned jobs in order, without the planning id', () => {
    const state = replay([
      created(),
      planned('A', at('10:00'), at('12:00'), volvo),
      planned('B', at('08:00'), at('09:00')),
    ])
    expect(state).toEqual({
      status: 'open',
      date,
      jobs: [
        {
          status: 'planned',
          jobId: 'A',
          startTime: at('10:00'),
          endTime: at('12:00'),
          description: 'Service A',
          customer,
          vehicle: volvo,
        },
        {
          status: 'planned',
          jobId: 'B',
          startTime: at('08:00'),
          endTime: at('09:00'),
          description: 'Service B',
          customer,
          vehicle: opel,
        },
      ],
    })
  })

  it('keeps the jobs in the order they were planned, and lists them by start and end time', () => {
    const state = replay([
      created(),
      planned('A', at('10:00'), at('12:00'), volvo),
      planned('B', at('08:00'), at('09:00')),
      planned('C', at('08:00'), at('08:30'), fiat),
    ])
    expect(state.status === 'open' && state.jobs.map((j) => j.jobId)).toEqual(['A', 'B', 'C'])
    expect(jobsInTimeOrder(state).map((j) => j.jobId)).toEqual(['C', 'B', 'A'])
    expect(jobsInTimeOrder(replay([]))).toEqual([])
  })

  it('marks a finished job with its actual times and notes, keeping its planned slot, and leaves others alone', () => {
    const state = replay([
      created(),
      planned('A', at('08:00'), at('10:00')),
      planned('B', at('08:00'), at('10:00'), volvo),
      {
        type: 'MaintenanceJobFinished',
        data: {
          planningId: date,
          jobId: 'A',
          startTime: at('08:10'),
          endTime: at('10:20'),
          notes: 'Tyres swapped',
        },
      },
    ])
    expect(state).toEqual({
      status: 'open',
      date,
      jobs: [
        {
          status: 'finished',
          jobId: 'A',
          startTime: at('08:00'),
          endTime: at('10:00'),
          actualStartTime: at('08:10'),
          actualEndTime: at('10:20'),
          notes: 'Tyres swapped',
          description: 'Service A',
          customer,
          vehicle: opel,
        },
        {
          status: 'planned',
          jobId: 'B',
          startTime: at('08:00'),
          endTime: at('10:00'),
          description: 'Service B',
          customer,
          vehicle: volvo,
        },
      ],
    })
  })
})

describe('a planning holding a job recorded with an hour-only offset, before times were canonical', () => {
  // 09:00–10:00 UTC, written as the contracts once accepted it.
  const given = [created(), planned('job-1', `${date}T10:00:00+01`, `${date}T11:00:00+0100`, opel)]

  it('refuses an overlapping job for the same vehicle: the recorded times are read as their instants', () => {
    planning()
      .given(given)
      .when(plan('job-2', at('09:30'), at('10:30'), opel))
      .thenThrows('vehicle-not-double-booked')
  })

  it('accepts a job for the same vehicle that starts when the recorded one ends', () => {
    planning()
      .given(given)
      .when(plan('job-2', at('10:00'), at('11:00'), opel))
      .then([planned('job-2', at('10:00'), at('11:00'), opel)])
  })

  it('holds the recorded job at its instant, in canonical UTC, as the planning answers it', () => {
    const state = given.reduce(evolve, initialState())
    expect(state).toMatchObject({
      jobs: [{ jobId: 'job-1', startTime: at('09:00'), endTime: at('10:00') }],
    })
  })
})
