import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BlockList, isIPv6 } from 'node:net'
import fc from 'fast-check'
import { InvalidConfigError } from 'wireseal/errors'
import { canonicalIp, cidrContains, createCidrSet, isLocalIp, parseCidr, parseIp } from '../src/protection/cidr.js'

describe('protection/cidr: addresses', () => {
  it('parses IPv4 and IPv6 text forms (RFC 4291 §2.2)', () => {
    assert.equal(canonicalIp('127.0.0.1'), '127.0.0.1')
    assert.equal(canonicalIp('::1'), '0:0:0:0:0:0:0:1')
    assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '0:0:0:0:0:0:0:1')
    assert.equal(canonicalIp('2001:DB8::8:800:200C:417A'), '2001:db8:0:0:8:800:200c:417a')
    assert.equal(canonicalIp('::ffff:10.1.2.3'), '10.1.2.3', 'IPv4-mapped IPv6 is the IPv4 address')
    assert.equal(canonicalIp('::'), '0:0:0:0:0:0:0:0')
    assert.equal(canonicalIp('1::'), '1:0:0:0:0:0:0:0')
    assert.equal(canonicalIp('64:ff9b::192.0.2.33'), '64:ff9b:0:0:0:0:c000:221')
    assert.equal(canonicalIp('1:2:3:4:5:6:1.2.3.4'), '1:2:3:4:5:6:102:304')
  })

  it('refuses everything else', () => {
    for (const bad of ['', ' 1.2.3.4', '1.2.3.4 ', '1.2.3', '1.2.3.4.5', '256.0.0.1', '010.0.0.1', '01.2.3.4', '1.2.3.-4', '+1.2.3.4',
      'localhost', 'fe80::1%eth0', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::', 'g::',
      ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '::1.2.3', '1.2.3.4::', '::1.2.3.4:5', '0x7f.0.0.1', '1.2.3.4/8']) {
      assert.equal(parseIp(bad), undefined, bad)
    }
  })

  it('agrees with node:net on random addresses', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
      assert.notEqual(parseIp(ip), undefined, ip)
    }), { numRuns: 2000 })
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => {
      // node:net accepts a superset in places (zone ids); never the reverse
      if (parseIp(s) !== undefined) assert.ok(isIPv6(s) || /^\d+\.\d+\.\d+\.\d+$/.test(s), s)
    }), { numRuns: 2000 })
  })
})

describe('protection/cidr: blocks', () => {
  it('parses strictly, naming the option', () => {
    assert.equal(parseCidr('10.0.0.0/8').bits, 104)
    assert.equal(parseCidr('fd00::/8').bits, 8)
    assert.equal(parseCidr('203.0.113.7').bits, 128, 'a bare address is one host')
    for (const bad of ['10.0.0.1/8', '10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/+8', '/8', 'fd00::1/8', '::/129', 'x/1']) {
      assert.throws(() => parseCidr(bad, 'denyCidrs[0]'), (err: unknown) => err instanceof InvalidConfigError && err.details.option === 'denyCidrs[0]', bad)
    }
    assert.throws(() => createCidrSet(['10.0.0.0/8', 'nope'], 'allowCidrs'), (err: unknown) => err instanceof InvalidConfigError && err.details.option === 'allowCidrs[1]')
  })

  it('matches IPv4, IPv6 and IPv4-mapped IPv6', () => {
    const set = createCidrSet(['10.0.0.0/8', '192.168.1.128/25', '2001:db8::/32', '100.64.0.0/10'])
    assert.ok(set.has('10.255.255.255'))
    assert.ok(set.has('::ffff:10.0.0.1'))
    assert.ok(set.has('192.168.1.200'))
    assert.ok(!set.has('192.168.1.127'))
    assert.ok(set.has('2001:db8:ffff::1'))
    assert.ok(!set.has('2001:db9::1'))
    assert.ok(!set.has('11.0.0.1'))
    assert.ok(!set.has('not an ip'))
    assert.ok(cidrContains(parseCidr('0.0.0.0/0'), '8.8.8.8'))
    assert.ok(!cidrContains(parseCidr('0.0.0.0/0'), '2001:db8::1'), 'an IPv4 /0 does not cover IPv6')
    assert.ok(cidrContains(parseCidr('::/0'), '8.8.8.8'), 'an IPv6 /0 covers the mapped IPv4 space too')
  })

  it('agrees with node:net BlockList on random blocks and addresses (IPv4)', () => {
    fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (net, prefix, ip) => {
      const cidr = parseCidr(`${net}/32`)
      // mask the network ourselves so the strict parser accepts it
      const n = cidr.network
      const bits = prefix + 96
      const masked = Uint8Array.from(n, (b, i) => i * 8 >= bits ? 0 : (i + 1) * 8 <= bits ? b : b & ((0xff << (8 - (bits - i * 8))) & 0xff))
      const netText = `${masked[12]}.${masked[13]}.${masked[14]}.${masked[15]}`
      const bl = new BlockList()
      bl.addSubnet(netText, prefix, 'ipv4')
      assert.equal(cidrContains(parseCidr(`${netText}/${prefix}`), ip), bl.check(ip, 'ipv4'), `${netText}/${prefix} ${ip}`)
    }), { numRuns: 3000 })
  })

  it('agrees with node:net BlockList on random blocks and addresses (IPv6)', () => {
    fc.assert(fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.ipV6(), fc.boolean(), (net, prefix, ip, near) => {
      const n = parseIp(net) as Uint8Array
      const masked = Uint8Array.from(n, (b, i) => i * 8 >= prefix ? 0 : (i + 1) * 8 <= prefix ? b : b & ((0xff << (8 - (prefix - i * 8))) & 0xff))
      const groups: string[] = []
      for (let i = 0; i < 16; i += 2) groups.push(((masked[i] as number) << 8 | (masked[i + 1] as number)).toString(16))
      const netText = groups.join(':')
      // half the time, test an address inside the block
      const probe = near ? netText.replace(/[0-9a-f]+$/, (g) => g === '0' ? '1' : g) : ip
      const bl = new BlockList()
      bl.addSubnet(netText, prefix, 'ipv6')
      const ours = cidrContains(parseCidr(`${netText}/${prefix}`), probe)
      const mappedV4 = (parseIp(probe) as Uint8Array).subarray(0, 12).every((b, i) => i < 10 ? b === 0 : b === 0xff)
      if (!mappedV4) assert.equal(ours, bl.check(probe, 'ipv6'), `${netText}/${prefix} ${probe}`)
    }), { numRuns: 3000 })
  })

  it('classifies local addresses', () => {
    for (const ip of ['127.0.0.1', '10.1.1.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1', '169.254.1.1', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '0.0.0.0']) {
      assert.ok(isLocalIp(ip), ip)
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '203.0.113.5', '2001:db8::1', '2606:4700::1111']) assert.ok(!isLocalIp(ip), ip)
  })
})
