const [B, SUP, n] = process.argv.slice(2)
const h = { authorization: `Bearer ${SUP}`, 'content-type': 'application/json' }
const t0 = performance.now()
for (let i = 0; i < +n; i++) {
  const { token } = await (await fetch(`${B}/api/auth/customer-link`, { method: 'POST', headers: h, body: '{"customerId":"c-1"}' })).json()
  await fetch(`${B}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
}
console.log('made', n, 'revocations in', ((performance.now() - t0) / 1000).toFixed(1), 's')
