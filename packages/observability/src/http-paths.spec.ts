import { describe, expect, it } from 'vitest';
import { isCatchAllRoute, isOperationalPath, withoutQuery } from './http-paths.ts';

describe('withoutQuery', () => {
  it('cuts a URL or a path at its query string or fragment', () => {
    expect(withoutQuery('http://orders:3000/v1/customers/c-1/orders?email=jane%40example.com')).toBe(
      'http://orders:3000/v1/customers/c-1/orders',
    );
    expect(withoutQuery('/v1/orders#top')).toBe('/v1/orders');
    expect(withoutQuery('/v1/orders')).toBe('/v1/orders');
  });
});

describe('isOperationalPath', () => {
  it('knows the probe and scrape endpoints, with or without a query', () => {
    expect(isOperationalPath('/health')).toBe(true);
    expect(isOperationalPath('/health/ready?verbose=1')).toBe(true);
    expect(isOperationalPath('/metrics')).toBe(true);
    expect(isOperationalPath('/healthcare/plans')).toBe(false);
    expect(isOperationalPath('/v1/metrics')).toBe(false);
  });
});

describe('isCatchAllRoute', () => {
  it('tells a bare wildcard from a route that names an endpoint', () => {
    for (const path of ['/{*path}', '{*path}', '*path', '/*path', '*'])
      expect(isCatchAllRoute(path)).toBe(true);
    for (const path of ['/v1/orders/:orderId', '/', '/proxy/{*path}'])
      expect(isCatchAllRoute(path)).toBe(false);
  });
});
