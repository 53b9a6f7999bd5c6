import { forbiddenRange, HostRefusedError, resolvePublicAddress } from '../src/tools/ssrf-guard';
import type { ResolvedAddress } from '../src/tools/ssrf-guard';

describe('forbiddenRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::', '6to4'],
    ['not an address', 'invalid'],
  ])('refuses %s (%s)', (address, range) => {
    expect(forbiddenRange(address)).toBe(range);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets the public address %s through', (address) => {
    expect(forbiddenRange(address)).toBeUndefined();
  });
});

describe('resolvePublicAddress', () => {
  const answering = (addresses: ResolvedAddress[]) => async () => addresses;

  it('refuses a name when any of its addresses is private, not only the first', async () => {
    const lookup = answering([
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
    await expect(resolvePublicAddress('mixed.example', { allowPrivate: new Set(), lookup })).rejects.toThrow(new HostRefusedError('mixed.example', 'private'));
  });

  it('answers the first address of a public name, and a private one only for an allowed host', async () => {
    const lookup = answering([{ address: '10.0.0.7', family: 4 }]);
    await expect(resolvePublicAddress('intranet.example', { allowPrivate: new Set(['intranet.example']), lookup })).resolves.toEqual({ address: '10.0.0.7', family: 4 });
    const publicLookup = answering([{ address: '2606:4700:4700::1111', family: 6 }]);
    await expect(resolvePublicAddress('v6.example', { allowPrivate: new Set(), lookup: publicLookup })).resolves.toEqual({ address: '2606:4700:4700::1111', family: 6 });
  });

  it('judges IP literals without a lookup, brackets and all', async () => {
    const lookup = () => Promise.reject(new Error('no lookup expected'));
    await expect(resolvePublicAddress('[::1]', { allowPrivate: new Set(), lookup })).rejects.toThrow('[::1] resolves to a private address (loopback)');
    await expect(resolvePublicAddress('[::1]', { allowPrivate: new Set(['::1']), lookup })).resolves.toEqual({ address: '::1', family: 6 });
    await expect(resolvePublicAddress('8.8.8.8', { allowPrivate: new Set(), lookup })).resolves.toEqual({ address: '8.8.8.8', family: 4 });
  });

  it('resolves real names with the system resolver: localhost is loopback', async () => {
    await expect(resolvePublicAddress('localhost', { allowPrivate: new Set() })).rejects.toThrow('localhost resolves to a private address (loopback)');
  });
});
