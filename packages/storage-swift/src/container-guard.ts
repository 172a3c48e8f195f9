import { statusError } from "./map-error.js";
import { at, type StoreContext } from "./store-context.js";

/**
 * Creates each container once per store (a failure is not remembered: the next write tries
 * again), among those `creates` names. The counterpart of the S3 driver's bucket guard.
 */
export function createContainerGuard(
  ctx: () => StoreContext,
  tempUrlKey: string | undefined,
  creates: ReadonlyArray<"main" | "segments">,
): StoreContext["ensureContainer"] {
  const created = new Map<string, Promise<void>>();
  return async (which) => {
    if (!creates.includes(which)) return;
    const name = which === "main" ? ctx().container : ctx().segmentsContainer;
    let pending = created.get(name);
    if (!pending) {
      pending = createContainer(ctx(), name, tempUrlKey);
      pending.catch(() => created.delete(name));
      created.set(name, pending);
    }
    await pending;
  };
}

/** Creates a container unless it exists (HEAD first: a PUT on an existing one would reset nothing, but costs a write). */
async function createContainer(
  ctx: StoreContext,
  name: string,
  tempUrlKey: string | undefined,
): Promise<void> {
  const path = `/${encodeURIComponent(name)}`;
  const context = at(ctx, "create", undefined, name);
  const head = await ctx.client.request({ method: "HEAD", path, context });
  if (head.status === 204 || head.status === 200) return;
  if (head.status !== 404) throw await statusError(head, context);
  const headers: Record<string, string> =
    tempUrlKey !== undefined && name === ctx.container
      ? { "x-container-meta-temp-url-key": tempUrlKey }
      : {};
  const response = await ctx.client.request({
    method: "PUT",
    path,
    headers,
    context,
  });
  if (response.status !== 201 && response.status !== 202)
    throw await statusError(response, context);
  await response.body?.cancel();
}
