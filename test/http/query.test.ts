import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { queryParser } from '../../src/http/query.js';

describe('reading the proxy\'s own query parameters', () => {
  const go = queryParser(false);
  const semicolons = queryParser(true);

  it('by default drops every pair that contains ";", as Go does', () => {
    const p = go('rd=/a;b=c&code=x');
    assert.equal(p.get('rd'), null);
    assert.equal(p.get('b'), null);
    assert.equal(p.get('code'), 'x');
    assert.equal(go('rd=%2Fpath&x=1').get('rd'), '/path');
  });

  it('with --allow-query-semicolons treats ";" as a separator', () => {
    const p = semicolons('rd=/a;b=c&code=x');
    assert.equal(p.get('rd'), '/a');
    assert.equal(p.get('b'), 'c');
    assert.equal(p.get('code'), 'x');
  });

  it('an escaped semicolon is data either way', () => {
    assert.equal(go('rd=/a%3Bb').get('rd'), '/a;b');
    assert.equal(semicolons('rd=/a%3Bb').get('rd'), '/a;b');
  });
});
