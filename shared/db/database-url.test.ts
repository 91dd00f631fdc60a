import { describe, expect, it } from 'vitest'
import { connectDatabase, databaseUrlProblem, shownDatabaseUrl } from './database.ts'

describe('a libSQL database URL', () => {
  it('is taken as a file, an HTTP, WebSocket or libsql server, or in memory', () => {
    for (const url of [
      'file:.data/customers.db',
      'file:///srv/customers.db',
      'http://127.0.0.1:8081/customers',
      'https://db.example/customers',
      'libsql://pitstop-org.turso.io?authToken=abc',
      'wss://db.example',
      ':memory:',
    ])
      expect(databaseUrlProblem(url), url).toBeUndefined()
  })

  it('is refused, with the reason, when it is no URL, has another scheme, or names no host or file', () => {
    expect(databaseUrlProblem('not a url')).toBe('is not a URL')
    expect(databaseUrlProblem('ftp://x')).toBe(
      'has the scheme ftp:; libSQL takes file:, http(s):, libsql: or ws(s):',
    )
    expect(databaseUrlProblem('libsql://')).toBe('names no host')
    expect(databaseUrlProblem('http://?authToken=abc')).toBe('names no host')
    expect(databaseUrlProblem('file:')).toBe('names no file')
    expect(databaseUrlProblem('http://[::1')).toBe('is not a URL')
  })

  it('is refused when it carries credentials, which libSQL would put into its own error messages', () => {
    expect(databaseUrlProblem('libsql://token@db.example')).toMatch(/^carries credentials/)
  })

  it('is shown without its query or credentials, which may hold a token', () => {
    expect(shownDatabaseUrl('libsql://db.example/x?authToken=secret')).toBe('libsql://db.example/x')
    expect(shownDatabaseUrl('https://user:secret@db.example')).toBe('https://db.example')
  })

  it('is checked before a connection is tried, the error naming URL and reason', async () => {
    await expect(connectDatabase('libsql://?authToken=secret')).rejects.toThrow(
      'The database URL "libsql://" names no host',
    )
  })
})
