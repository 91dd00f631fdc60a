import { describe, expect, it } from 'vitest'
import { allocate, type LotStock, type PartStock } from './allocation.ts'

const lot = (lotId: string, receivedAt: string, available: number): LotStock => ({
  lotId,
  receivedAt: `2026-12-${receivedAt}T08:00:00.000Z`,
  available,
})
const part = (lots: LotStock[], unitPriceCents = 1250): PartStock => ({ unitPriceCents, lots })
const stock = (parts: Record<string, PartStock>) => new Map(Object.entries(parts))
const line = (partNumber: string, lotId: string, quantity: number, unitPriceCents = 1250) => ({
  partNumber,
  lotId,
  quantity,
  unitPriceCents,
})

describe('allocating a proposal', () => {
  const pads = part([lot('lot-b', '02', 4), lot('lot-a', '01', 3)])

  it('takes from the oldest lot first, whatever order the lots come in', () => {
    expect(allocate([{ partNumber: 'BP-1', quantity: 2 }], stock({ 'BP-1': pads }))).toEqual({
      status: 'reserved',
      lines: [line('BP-1', 'lot-a', 2)],
    })
  })

  it('goes on to the next lot when the oldest has too few', () => {
    expect(allocate([{ partNumber: 'BP-1', quantity: 5 }], stock({ 'BP-1': pads }))).toEqual({
      status: 'reserved',
      lines: [line('BP-1', 'lot-a', 3), line('BP-1', 'lot-b', 2)],
    })
  })

  it('breaks a tie in arrival by lot id', () => {
    const sameMoment = part([lot('lot-2', '01', 1), lot('lot-1', '01', 1)])
    expect(allocate([{ partNumber: 'BP-1', quantity: 1 }], stock({ 'BP-1': sameMoment }))).toEqual({
      status: 'reserved',
      lines: [line('BP-1', 'lot-1', 1)],
    })
  })

  it('skips a lot with nothing available', () => {
    const emptied = part([lot('lot-a', '01', 0), lot('lot-b', '02', 2)])
    expect(allocate([{ partNumber: 'BP-1', quantity: 1 }], stock({ 'BP-1': emptied }))).toEqual({
      status: 'reserved',
      lines: [line('BP-1', 'lot-b', 1)],
    })
  })

  it('takes exactly what is available', () => {
    expect(allocate([{ partNumber: 'BP-1', quantity: 7 }], stock({ 'BP-1': pads }))).toEqual({
      status: 'reserved',
      lines: [line('BP-1', 'lot-a', 3), line('BP-1', 'lot-b', 4)],
    })
  })

  it('reserves nothing when one more than available is wanted, naming what was available', () => {
    expect(allocate([{ partNumber: 'BP-1', quantity: 8 }], stock({ 'BP-1': pads }))).toEqual({
      status: 'short',
      shortages: [{ partNumber: 'BP-1', requested: 8, available: 7 }],
    })
  })

  it('reserves no line at all when another line is short, and names only the short lines', () => {
    const filters = part([lot('lot-f', '01', 1)], 899)
    const wanted = [
      { partNumber: 'BP-1', quantity: 2 },
      { partNumber: 'OF-2', quantity: 2 },
    ]
    expect(allocate(wanted, stock({ 'BP-1': pads, 'OF-2': filters }))).toEqual({
      status: 'short',
      shortages: [{ partNumber: 'OF-2', requested: 2, available: 1 }],
    })
  })

  it('counts a part the catalogue does not have as none available', () => {
    expect(allocate([{ partNumber: 'XX-9', quantity: 1 }], stock({}))).toEqual({
      status: 'short',
      shortages: [{ partNumber: 'XX-9', requested: 1, available: 0 }],
    })
  })

  it('counts a part without lots as none available', () => {
    expect(allocate([{ partNumber: 'BP-1', quantity: 1 }], stock({ 'BP-1': part([]) }))).toEqual({
      status: 'short',
      shortages: [{ partNumber: 'BP-1', requested: 1, available: 0 }],
    })
  })

  it('takes each part at its own price', () => {
    const filters = part([lot('lot-f', '01', 5)], 899)
    const wanted = [
      { partNumber: 'BP-1', quantity: 1 },
      { partNumber: 'OF-2', quantity: 2 },
    ]
    expect(allocate(wanted, stock({ 'BP-1': pads, 'OF-2': filters }))).toEqual({
      status: 'reserved',
      lines: [line('BP-1', 'lot-a', 1), line('OF-2', 'lot-f', 2, 899)],
    })
  })

  it('takes a part wanted on two lines from what the first line left', () => {
    const wanted = [
      { partNumber: 'BP-1', quantity: 2 },
      { partNumber: 'BP-1', quantity: 2 },
    ]
    expect(allocate(wanted, stock({ 'BP-1': pads }))).toEqual({
      status: 'reserved',
      lines: [line('BP-1', 'lot-a', 2), line('BP-1', 'lot-a', 1), line('BP-1', 'lot-b', 1)],
    })
    expect(allocate([...wanted, { partNumber: 'BP-1', quantity: 4 }], stock({ 'BP-1': pads }))).toEqual({
      status: 'short',
      shortages: [{ partNumber: 'BP-1', requested: 4, available: 3 }],
    })
  })

  it('reserves nothing, and no line, for a proposal without parts', () => {
    expect(allocate([], stock({}))).toEqual({ status: 'reserved', lines: [] })
  })
})
