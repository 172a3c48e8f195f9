import { errorForStatus, objectPath, statusError } from './status.js';
import { at, type StoreContext } from './store-context.js';

/** The JSON answer of `?multipart-manifest=delete` and `?bulk-delete`. */
interface BulkAnswer {
  'Response Status'?: string;
  'Number Deleted'?: number;
  'Number Not Found'?: number;
  Errors?: [string, string][];
}

const BATCH = 1000;

/**
 * Deletes an object; a Static Large Object goes with its segments. Missing is fine.
 * Swift answers `?multipart-manifest=delete` on a plain object with "Not an SLO manifest",
 * and then a plain DELETE does it.
 */
export async function deleteObject(ctx: StoreContext, key: string): Promise<void> {
  const context = at(ctx, 'delete', key);
  const path = objectPath(ctx.container, key);
  const response = await ctx.client.request({ method: 'DELETE', path, query: { 'multipart-manifest': 'delete' }, headers: { accept: 'application/json' }, context });
  if (response.status === 404) {
    await response.body?.cancel();
    return;
  }
  if (response.status !== 200 && response.status !== 204) throw await statusError(response, context);
  const answer = (await response.json().catch(() => ({}))) as BulkAnswer;
  const errors = answer.Errors ?? [];
  if (errors.some(([, reason]) => /not an slo manifest/i.test(reason))) {
    const plain = await ctx.client.request({ method: 'DELETE', path, context });
    if (plain.status !== 204 && plain.status !== 404 && plain.status !== 200) throw await statusError(plain, context);
    await plain.body?.cancel();
    return;
  }
  if (errors.length > 0 || !/^(2\d\d|404)/.test(answer['Response Status'] ?? '200')) {
    throw errorForStatus(Number((answer['Response Status'] ?? '502').slice(0, 3)) || 502, context);
  }
}

/** Removes plain objects (segments) in batches with the bulk middleware; missing ones are fine. */
export async function deleteObjects(ctx: StoreContext, container: string, names: readonly string[]): Promise<void> {
  for (let i = 0; i < names.length; i += BATCH) {
    const lines = names.slice(i, i + BATCH).map((name) => objectPath(container, name)).join('\n');
    const context = at(ctx, 'bulk delete', undefined, container);
    const response = await ctx.client.request({
      method: 'POST',
      path: '',
      query: { 'bulk-delete': '' },
      headers: { 'content-type': 'text/plain', accept: 'application/json' },
      body: lines,
      context,
    });
    if (response.status !== 200) throw await statusError(response, context);
    const answer = (await response.json()) as BulkAnswer;
    if ((answer.Errors ?? []).length > 0) throw errorForStatus(502, context);
  }
}
