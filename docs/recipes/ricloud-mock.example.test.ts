// An example test using the ricloud-mock that vitest.global-setup.ts started.
import { expect, inject, it } from 'vitest';

it('reads the organisation from ricloud-mock', async () => {
  const { url, token } = inject('ricloudMock');
  const res = await fetch(`${url}/organisation`, { headers: { Authorization: `Token ${token}` } });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ resource: 'organisation' });
});
