import { errorForStatus, objectPath, statusError } from "./map-error.js";
import { at, type StoreContext } from "./store-context.js";

/** The JSON answer of `?multipart-manifest=delete` and `?bulk-delete`. */
export interface BulkAnswer {
  "Response Status"?: string;
  "Number Deleted"?: number;
  "Number Not Found"?: number;
  Errors?: [string, string][];
}

const BATCH = 1000;

/** Removes plain objects (segments) in batches with the bulk middleware; missing ones are fine. */
export async function deleteObjects(
  ctx: StoreContext,
  container: string,
  names: readonly string[],
): Promise<void> {
  for (let i = 0; i < names.length; i += BATCH) {
    const lines = names
      .slice(i, i + BATCH)
      .map((name) => objectPath(container, name))
      .join("\n");
    const context = at(ctx, "bulk delete", undefined, container);
    const response = await ctx.client.request({
      method: "POST",
      path: "",
      query: { "bulk-delete": "" },
      headers: { "content-type": "text/plain", accept: "application/json" },
      body: lines,
      context,
    });
    if (response.status !== 200) throw await statusError(response, context);
    const answer = (await response.json()) as BulkAnswer;
    if ((answer.Errors ?? []).length > 0) throw errorForStatus(502, context);
  }
}
