import { readdir, readFile } from 'node:fs/promises'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { AnyEvent, RegisterVehicleBody } from './index.ts'
import { jsonSchemaFiles } from './json-schema-files.ts'
import { contractsAsJsonSchema } from './json-schema.ts'

const folder = new URL('./json-schema/', import.meta.url)

describe('contracts', () => {
  it('has the committed JSON Schema files exactly as npm run contracts writes them', async () => {
    const expected = await jsonSchemaFiles()
    expect(Object.keys(expected)).toEqual(Object.keys(contractsAsJsonSchema()).map((name) => `${name}.json`))
    const committed = (await readdir(folder)).filter((f) => f.endsWith('.json')).sort()
    expect(committed).toEqual(Object.keys(expected).sort())
    for (const [file, text] of Object.entries(expected)) {
      expect(await readFile(new URL(file, folder), 'utf8'), file).toBe(text)
    }
  })

  it('stores license numbers upper-cased', () => {
    const vehicle = v.parse(RegisterVehicleBody, {
      licenseNumber: 'ab-12-cd',
      brand: 'Opel',
      type: 'Astra',
      ownerId: 'c1',
    })
    expect(vehicle.licenseNumber).toBe('AB-12-CD')
  })

  it('refuses license numbers that do not match the pattern', () => {
    for (const licenseNumber of ['AB12CD', 'ABCD-12-CD', '1234-1-1', 'AB-12', 'AB-12-CD-1']) {
      expect(
        v.safeParse(RegisterVehicleBody.entries.licenseNumber, licenseNumber).success,
        licenseNumber,
      ).toBe(false)
    }
    for (const licenseNumber of ['1-2-3', 'ABC-123-XYZ', '12-AB-3']) {
      expect(
        v.safeParse(RegisterVehicleBody.entries.licenseNumber, licenseNumber).success,
        licenseNumber,
      ).toBe(true)
    }
  })

  it('refuses an event whose data does not match its type', () => {
    const event = {
      id: '0190b1a2-0000-7000-8000-000000000000',
      type: 'VehicleRegistered',
      version: 1,
      stream: 'AB-12-CD',
      position: 1,
      occurredAt: '2026-11-21T10:00:00.000Z',
      correlationId: 'c',
      causationId: 'c',
      actor: 'test',
      data: { licenseNumber: 'AB-12-CD' },
    }
    expect(v.safeParse(AnyEvent, event).success).toBe(false)
    const complete = {
      ...event,
      data: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra', ownerId: 'c1' },
    }
    expect(v.safeParse(AnyEvent, complete).success).toBe(true)
  })

  it('reads an event recorded before times were canonical (hour-only offset, a space for T) as canonical UTC', () => {
    const recorded = {
      id: '0190b1a2-0000-7000-8000-000000000001',
      type: 'MaintenanceJobFinished',
      version: 1,
      stream: '2026-11-21',
      position: 3,
      occurredAt: '2026-11-21T10:00:00.000Z',
      correlationId: 'c',
      causationId: 'c',
      actor: 'test',
      data: {
        planningId: '2026-11-21',
        jobId: 'j-1',
        startTime: '2026-11-21T09:00:00+01',
        endTime: '2026-11-21 10:00:00+0100',
        notes: 'Done\u0007',
      },
    }
    expect(v.parse(AnyEvent, recorded).data).toMatchObject({
      startTime: '2026-11-21T08:00:00.000Z',
      endTime: '2026-11-21T09:00:00.000Z',
    })
  })

  it('reads the times of an event as canonical UTC, and an envelope stamped by the clock unchanged', () => {
    const occurredAt = new Date(Date.UTC(2026, 10, 21, 10)).toISOString()
    const event = {
      id: '0190b1a2-0000-7000-8000-000000000000',
      type: 'MaintenanceJobFinished',
      version: 1,
      stream: '2026-11-21',
      position: 2,
      occurredAt,
      correlationId: 'c',
      causationId: 'c',
      actor: 'test',
      data: {
        planningId: '2026-11-21',
        jobId: 'j-1',
        startTime: '2026-11-21T09:00:00+01:00',
        endTime: '2026-11-21T04:30:00-05:30',
        notes: '',
      },
    }
    const parsed = v.parse(AnyEvent, event)
    expect(parsed.occurredAt).toBe('2026-11-21T10:00:00.000Z')
    expect(parsed.data).toMatchObject({
      startTime: '2026-11-21T08:00:00.000Z',
      endTime: '2026-11-21T10:00:00.000Z',
    })
    expect(v.safeParse(AnyEvent, { ...event, occurredAt: '2026-11-21T10:00:00+01' }).success).toBe(false)
  })
})
