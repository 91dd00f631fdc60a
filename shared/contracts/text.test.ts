import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { RegisterCustomerBody } from './customers.ts'
import { multilineText, requiredText } from './text.ts'
import { LicenseNumber, RegisterVehicleBody } from './vehicles.ts'
import { FinishMaintenanceJobBody, PlanMaintenanceJobBody } from './workshop.ts'

const refusal = (schema: v.GenericSchema, input: unknown) => {
  const result = v.safeParse(schema, input)
  return result.success ? undefined : result.issues[0]!.message
}

describe('one-line text', () => {
  const line = requiredText(100)

  it.each([
    ['a NUL', 'Jan\u0000Jansen'],
    ['a bell (C0)', 'Jan\u0007'],
    ['an escape (C0)', '\u001b[31mJan'],
    ['a line break inside', 'Jan\nJansen'],
    ['a carriage return inside', 'Jan\rJansen'],
    ['a tab inside', 'Jan\tJansen'],
    ['DEL', 'Jan\u007f'],
    ['a next-line (C1)', 'Jan\u0085Jansen'],
    ['a C1 control', 'Jan\u009bJansen'],
    ['a Unicode line separator', 'Jan\u2028Jansen'],
    ['a Unicode paragraph separator', 'Jan\u2029Jansen'],
  ])('refuses %s', (_, text) => {
    expect(refusal(line, text)).toBe('must be one line without control characters')
  })

  it.each([
    ['a lone high surrogate', 'Jan \ud83d'],
    ['a lone low surrogate', '\ude00 Jan'],
    ['surrogates in the wrong order', 'Jan \ude00\ud83d'],
  ])('refuses %s as not Unicode', (_, text) => {
    expect(refusal(line, text)).toBe('must be valid Unicode (it holds half of a character)')
  })

  it('refuses U+FFFD, which is what bytes that were not UTF-8 became when the body was read', () => {
    expect(refusal(line, 'Jan \ufffd Jansen')).toBe(
      'must be valid UTF-8 (it holds U+FFFD, which stands for bytes that were not)',
    )
  })

  it('keeps characters outside the basic plane, accents and line breaks at the ends trimmed', () => {
    expect(v.parse(line, ' Zoë 🚗 Ñúñez\n')).toBe('Zoë 🚗 Ñúñez')
  })

  it('stores names in NFC, so one name typed two ways is one name', () => {
    const decomposed = 'Zoe\u0308 Nu\u0301n\u0303ez'
    expect(v.parse(line, decomposed)).toBe('Zo\u00eb N\u00fa\u00f1ez')
    expect(v.parse(line, decomposed)).toBe(v.parse(line, 'Zo\u00eb N\u00fa\u00f1ez'))
  })

  it('still refuses empty and over-long text', () => {
    expect(refusal(line, ' \t ')).toBe('must not be empty')
    expect(refusal(line, 'x'.repeat(101))).toBe('must be at most 100 characters')
  })
})

describe('text of several lines', () => {
  const lines = multilineText(200)

  it('keeps line breaks and tabs inside', () => {
    expect(v.parse(lines, '  Brakes:\r\n\t- pads\n\t- discs  ')).toBe('Brakes:\r\n\t- pads\n\t- discs')
  })

  it.each([
    ['a NUL', 'ok\u0000'],
    ['a vertical tab', 'a\u000bb'],
    ['a form feed', 'a\u000cb'],
    ['an escape', 'a\u001b[2Jb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
  ])('refuses %s', (_, text) => {
    expect(refusal(lines, text)).toBe('must not contain control characters other than line breaks and tabs')
  })

  it('refuses a lone surrogate', () => {
    expect(refusal(lines, 'ok \ud800')).toBe('must be valid Unicode (it holds half of a character)')
  })
})

describe('every text field of the commands', () => {
  const customer = {
    name: 'Ann',
    address: 'Main 1',
    postalCode: '1234 AB',
    city: 'Utrecht',
    telephoneNumber: '+31 6 12345678',
    emailAddress: 'ann@example.com',
  }
  const vehicle = { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra', ownerId: 'ann' }
  const job = {
    startTime: '2026-12-01T09:00:00Z',
    endTime: '2026-12-01T10:00:00Z',
    customerId: 'ann',
    licenseNumber: 'AB-12-CD',
    description: 'Brakes',
  }
  const finish = { startTime: job.startTime, endTime: job.endTime, notes: 'Done' }
  const cases = [
    ...Object.keys(customer).map((field) => [RegisterCustomerBody, customer, field] as const),
    ...['brand', 'type'].map((field) => [RegisterVehicleBody, vehicle, field] as const),
    [PlanMaintenanceJobBody, job, 'description'] as const,
    [FinishMaintenanceJobBody, finish, 'notes'] as const,
  ]

  it.each(cases.map(([schema, body, field]) => [field, schema, body] as const))(
    'refuses a control character or a lone surrogate in %s',
    (field, schema, body) => {
      expect(v.safeParse(schema, body).success).toBe(true)
      for (const bad of ['x\u0000y', 'x\u009fy', 'x\ud800y']) {
        const result = v.safeParse(schema, { ...body, [field]: bad })
        expect(result.success, JSON.stringify(bad)).toBe(false)
        expect(result.issues!.map((i) => v.getDotPath(i))).toContain(field)
      }
    },
  )

  it('lets line breaks into the description and the notes only', () => {
    expect(v.safeParse(PlanMaintenanceJobBody, { ...job, description: 'Brakes\nTyres' }).success).toBe(true)
    expect(v.safeParse(FinishMaintenanceJobBody, { ...finish, notes: 'Done\r\n\tall' }).success).toBe(true)
    expect(v.safeParse(RegisterCustomerBody, { ...customer, address: 'Main 1\nUtrecht' }).success).toBe(false)
  })
})

describe('license numbers', () => {
  it('are checked before upper-casing, so ß (upper-cased SS) is refused', () => {
    expect(refusal(LicenseNumber, 'ß-12-cd')).toBe('must look like AB-12-CD')
    expect(refusal(LicenseNumber, 'ﬀ-12-cd')).toBe('must look like AB-12-CD')
    expect(refusal(LicenseNumber, 'ı-12-cd')).toBe('must look like AB-12-CD')
    expect(v.parse(LicenseNumber, 'ab-12-cd')).toBe('AB-12-CD')
  })

  it('refuses letters and digits outside ASCII', () => {
    for (const plate of ['ÄB-12-CD', 'AB-١٢-CD', 'АВ-12-CD'])
      expect(refusal(LicenseNumber, plate), plate).toBeDefined()
  })
})
