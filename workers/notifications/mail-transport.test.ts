import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLogger } from '../../shared/logger.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { smtpUnavailable } from './mail-transport.ts'
import { createMailer } from './mailer.ts'
import type { NotificationsSettings } from './settings.ts'

afterEach(() => vi.unstubAllGlobals())

describe('a runtime that cannot open SMTP connections (workerd)', () => {
  it('is recognised by its user agent', () => {
    expect(smtpUnavailable()).toBeUndefined()
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' })
    expect(smtpUnavailable()).toBe('this runtime cannot open SMTP connections')
  })

  it('skips e-mail with one log line, and opens no transport', async () => {
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' })
    const lines: { msg: string }[] = []
    const logger = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) })
    const openTransport = vi.fn()
    const deps = {
      logger,
      settings: { SMTP_URL: 'smtp://mail.garage.example:587' } as NotificationsSettings,
    } as ServiceDeps<NotificationsSettings>
    const mailer = createMailer(deps, openTransport)
    expect(await mailer.tick()).toBeUndefined()
    expect(await createMailer(deps, openTransport).tick()).toBeUndefined()
    expect(openTransport).not.toHaveBeenCalled()
    expect(lines.map((line) => line.msg)).toEqual([
      'e-mail skipped: this runtime cannot open SMTP connections',
    ])
  })
})
