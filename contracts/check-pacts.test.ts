// check-pacts' rules, one interaction at a time: given a request and an expected response, want these findings.
import { describe, expect, it } from 'vitest';
import { checkInteraction } from './cli/check-pacts.ts';

const auth = { Authorization: ['Token t'] };
const json = { ...auth, 'Content-Type': ['application/json'] };
const v4 = (content: unknown) => ({ content, contentType: 'application/json', encoded: false });
const SESSION = 'ed855b07-f72b-4983-ac1d-980fafee8a0b';

describe('checkInteraction', () => {
  it.each([
    [
      'a subset of a documented response',
      { method: 'GET', path: '/organisation', headers: auth },
      { status: 200, body: v4({ state: 'active' }) },
      [],
    ],
    [
      'a documented error response',
      { method: 'GET', path: `/sessions/${SESSION}`, headers: auth },
      { status: 404, body: { error: 'not-found', message: 'x' } },
      [],
    ],
    [
      'a V2-style query string',
      { method: 'GET', path: '/users', query: 'identifier=a%40b.c&limit=5', headers: auth },
      { status: 200 },
      [],
    ],
    [
      'a 401 without Authorization',
      { method: 'GET', path: '/users' },
      { status: 401, body: { error: 'unauthorized', message: 'x' } },
      [],
    ],
    [
      'an unknown route',
      { method: 'GET', path: '/accounts', headers: auth },
      { status: 200 },
      ['GET /accounts: the API has no such route'],
    ],
    [
      'a wrong method',
      { method: 'PUT', path: '/users/1', headers: auth },
      { status: 200 },
      ['PUT /users/1: the API does not allow PUT here (allowed: GET, POST)'],
    ],
    [
      'a path id that is not a uuid',
      { method: 'GET', path: '/sessions/42', headers: auth },
      { status: 200 },
      ['GET /sessions/42 (retrieveSession): path parameter id must match format "uuid"'],
    ],
    [
      'an unknown query parameter',
      { method: 'GET', path: '/users', query: { sort: ['x'] }, headers: auth },
      { status: 200 },
      ['GET /users (listUsers): query parameter sort is not a known parameter'],
    ],
    [
      'a limit out of range',
      { method: 'GET', path: '/users', query: { limit: ['5000'] }, headers: auth },
      { status: 200 },
      ['GET /users (listUsers): query parameter limit must be <= 1000'],
    ],
    [
      'no Authorization on a 200',
      { method: 'GET', path: '/users' },
      { status: 200 },
      ['GET /users (listUsers): no Authorization header, so the API answers 401, not 200'],
    ],
    [
      'a Bearer token',
      { method: 'GET', path: '/users', headers: { Authorization: ['Bearer t'] } },
      { status: 200 },
      ['GET /users (listUsers): Authorization must be "Token <key token>", not "Bearer t"'],
    ],
    [
      'a non-numeric Ricloud-Await',
      { method: 'GET', path: '/users', headers: { ...auth, 'Ricloud-Await': ['soon'] } },
      { status: 200 },
      ['GET /users (listUsers): Ricloud-Await must be a number of seconds, not "soon"'],
    ],
    [
      'an unknown body field',
      { method: 'POST', path: '/users', headers: json, body: v4({ identifier: 'a', nickname: 'b' }) },
      { status: 201 },
      ['POST /users (createUser): request body $.nickname: the API has no such field'],
    ],
    [
      'a missing required body',
      { method: 'POST', path: '/users', headers: auth },
      { status: 201 },
      ['POST /users (createUser): the API requires a JSON body here'],
    ],
    [
      'a form body',
      {
        method: 'POST',
        path: '/users',
        headers: { ...auth, 'Content-Type': ['application/x-www-form-urlencoded'] },
        body: v4({ identifier: 'a' }),
      },
      { status: 201 },
      ['POST /users (createUser): the API takes JSON bodies, not application/x-www-form-urlencoded'],
    ],
    [
      'an undocumented status',
      { method: 'GET', path: '/organisation', headers: auth },
      { status: 204 },
      [
        expect.stringContaining(
          'GET /organisation (retrieveOrganisation) → 204: the API never answers 204 here',
        ),
      ],
    ],
    [
      'a response field the API lacks',
      { method: 'GET', path: '/users/1', headers: auth },
      { status: 200, body: v4({ id: '1', nickname: 'b' }) },
      ['GET /users/1 (retrieveUser) → 200: $.nickname: the API has no such field'],
    ],
    [
      'a wrong enum value',
      { method: 'GET', path: `/sessions/${SESSION}`, headers: auth },
      { status: 200, body: v4({ state: 'succeeded' }) },
      [expect.stringContaining('$.state: must be one of')],
    ],
    [
      'a wrong type',
      { method: 'GET', path: '/users/1', headers: auth },
      { status: 200, body: v4({ id: 1 }) },
      [expect.stringContaining('$.id:')],
    ],
  ])('%s', (_name, request, response, want) => {
    expect(checkInteraction(request, response)).toEqual(want);
  });
});
